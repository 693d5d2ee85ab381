package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/session"
)

// onboard is `mailzone onboard`: its flags, then session.Session.Onboard.
func (r *run) onboard(args []string) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	var o session.OnboardOptions
	keyFlags(fs, &o.Config, &o.Algorithm, &o.KeyDir)
	fs.StringVar(&o.Request.Provider, "provider", "", "the provider serving the domain's zone (default: defaults.provider)")
	fs.StringVar(&o.Request.Profile, "profile", "", "the profile the domain follows (required without --from)")
	fs.StringVar(&o.Request.Selector, "dkim-selector", "", "the DKIM selector (default mz<yyyymm>)")
	fs.StringVar(&o.From, "from", "", "onboard every row of a CSV file with the columns domain, profile, provider, dkim_selector")
	fs.BoolVar(&o.CreateZone, "create-zone", false, "for zone files: create a missing zone file with an SOA and NS records (--ns, --hostmaster or defaults.new_zone)")
	var ns multi
	fs.Var(&ns, "ns", "a nameserver host name for a zone --create-zone makes (repeatable)")
	fs.StringVar(&o.Instructions, "instructions", "", "for a manual provider: also write the DNS admin's instructions to this file, as markdown")
	hostmaster := fs.String("hostmaster", "", "the SOA contact for a zone --create-zone makes, such as hostmaster.example.net")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("onboard", err)
	}
	if o.Algorithm == "" {
		o.Algorithm = "rsa"
	}
	if err := r.onboardArgs(&o, pos, ns, *hostmaster); err != nil {
		return r.usageError("onboard", err)
	}
	return r.s.Onboard(o)
}

// onboardArgs checks onboard's flags and arguments and puts them in o.
func (r *run) onboardArgs(o *session.OnboardOptions, pos, ns []string, hostmaster string) error {
	if o.Algorithm != "rsa" && o.Algorithm != "ed25519" && o.Algorithm != "both" {
		return fmt.Errorf("--dkim-algorithm must be rsa, ed25519 or both (one key of each), not %q", o.Algorithm)
	}
	for _, n := range ns {
		if err := dnsname.Host(n); err != nil {
			return fmt.Errorf("--ns %q %v", n, err)
		}
		o.NewZone.Nameservers = append(o.NewZone.Nameservers, strings.ToLower(strings.TrimSuffix(n, "."))+".")
	}
	if hostmaster != "" {
		h := strings.Replace(hostmaster, "@", ".", 1)
		if err := dnsname.Host(h); err != nil {
			return fmt.Errorf("--hostmaster %q %v", hostmaster, err)
		}
		o.NewZone.Hostmaster = strings.ToLower(strings.TrimSuffix(h, ".")) + "."
	}
	switch {
	case o.From != "" && len(pos) != 0:
		return fmt.Errorf("give domains either as an argument or with --from, not both")
	case o.From != "":
		return nil
	case len(pos) != 1:
		return fmt.Errorf("name one domain, or a CSV file with --from")
	case o.Request.Profile == "":
		return fmt.Errorf("--profile is required: the policy the domain follows")
	}
	o.Request.Domain = pos[0]
	return nil
}
