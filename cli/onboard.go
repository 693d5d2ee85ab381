package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/onboard"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// delegationTimeout bounds onboard's delegation check; onboarding never waits
// long on DNS.
const delegationTimeout = 10 * time.Second

// onboard adds new customer domains to the configuration with a profile and
// a fresh DKIM key. Every check (the edited configuration loads, every other
// domain is unchanged, the zone exists at the provider) runs before anything
// is written; a failure leaves no trace.
func (r *run) onboard(args []string) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	var kf keyFlags
	kf.register(fs)
	var o onboard.Options
	provider := fs.String("provider", "", "the provider serving the domain's zone (default: defaults.provider)")
	profile := fs.String("profile", "", "the profile the domain follows (required without --from)")
	selector := fs.String("dkim-selector", "", "the DKIM selector (default mz<yyyymm>)")
	from := fs.String("from", "", "onboard every row of a CSV file with the columns domain, profile, provider, dkim_selector")
	fs.BoolVar(&o.CreateZone, "create-zone", false, "for zone files: create a missing zone file with an SOA and NS records (--ns, --hostmaster or defaults.new_zone)")
	var ns multi
	fs.Var(&ns, "ns", "a nameserver host name for a zone --create-zone makes (repeatable)")
	instrFile := fs.String("instructions", "", "for a manual provider: also write the DNS admin's instructions to this file, as markdown")
	hostmaster := fs.String("hostmaster", "", "the SOA contact for a zone --create-zone makes, such as hostmaster.example.net")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("onboard", err)
	}
	if kf.algorithm == "" {
		kf.algorithm = "rsa"
	}
	if kf.algorithm != "rsa" && kf.algorithm != "ed25519" && kf.algorithm != "both" {
		return r.usageError("onboard", fmt.Errorf("--dkim-algorithm must be rsa, ed25519 or both (one key of each), not %q", kf.algorithm))
	}
	o.Config, o.Algorithm, o.KeyDir = r.configPath(kf.config), kf.algorithm, kf.keyDir
	o.Now, o.LookupEnv, o.Secrets = r.now(), r.env.LookupEnv, r.secrets
	o.WriteConfig = func(path string, data []byte) error { return writeScrubbed(path, data, *r.secrets) }
	for _, n := range ns {
		if err := dnsname.Host(n); err != nil {
			return r.usageError("onboard", fmt.Errorf("--ns %q %v", n, err))
		}
		o.NewZone.Nameservers = append(o.NewZone.Nameservers, strings.ToLower(strings.TrimSuffix(n, "."))+".")
	}
	if *hostmaster != "" {
		h := strings.Replace(*hostmaster, "@", ".", 1)
		if err := dnsname.Host(h); err != nil {
			return r.usageError("onboard", fmt.Errorf("--hostmaster %q %v", *hostmaster, err))
		}
		o.NewZone.Hostmaster = strings.ToLower(strings.TrimSuffix(h, ".")) + "."
	}
	if *from != "" {
		if len(pos) != 0 {
			return r.usageError("onboard", fmt.Errorf("give domains either as an argument or with --from, not both"))
		}
		return r.onboardBulk(*from, o, onboard.Request{Profile: *profile, Provider: *provider, Selector: *selector})
	}
	if len(pos) != 1 {
		return r.usageError("onboard", fmt.Errorf("name one domain, or a CSV file with --from"))
	}
	if *profile == "" {
		return r.usageError("onboard", fmt.Errorf("--profile is required: the policy the domain follows"))
	}
	req := onboard.Request{Domain: pos[0], Profile: *profile, Provider: *provider, Selector: *selector}
	res, err := onboard.One(o, req)
	if err != nil {
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
			err = fmt.Errorf("the configuration with %s does not load; nothing was changed", req.Domain)
		}
		r.errorf("%v", err)
		return ExitError
	}
	d := res.Domain
	if res.Created {
		fmt.Fprintf(r.env.Stdout, "Created the zone %s at provider %s, with SOA and NS records only.\n", d.Zone, d.Provider)
	}
	fmt.Fprintf(r.env.Stdout, "Added %s to %s (provider %s, profile %s).\n", d.Name, res.Config.File, d.Provider, req.Profile)
	fmt.Fprintf(r.env.Stdout, "DKIM selector %s: a new %s key. The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n", res.Selector, res.Summary, res.Key.Path, res.Key.Ref)
	for _, k := range res.More {
		fmt.Fprintf(r.env.Stdout, "Another private key is in %s; the configuration names %s.\n", k.Path, k.Ref)
	}
	r.delegation(res.Config, d)
	fmt.Fprintln(r.env.Stdout)
	fmt.Fprintf(r.env.Stdout, "The checks that need DNS: mailzone lint -c %s -d %s\n\n", res.Config.File, d.Name)
	if pc := res.Config.Provider(d.Provider); pc != nil && pc.Type == "manual" {
		// The customer's DNS admin makes the changes: print what to ask
		// for. Nothing is written; apply reads the zone through DNS.
		args := []string{"-c", res.Config.File, "-d", d.Name, "--offline", "--yes", "--no-wait"}
		if *instrFile != "" {
			args = append(args, "--instructions", *instrFile)
		}
		code := r.apply(args)
		if code == ExitOK {
			fmt.Fprintf(r.env.Stdout, "Once the DNS admin of %s has made the changes, mailzone verify -c %s -d %s says when every nameserver serves them; mailzone dkim ready says when to start signing.\n", d.Name, res.Config.File, d.Name)
		}
		return code
	}
	return r.plan([]string{"-c", res.Config.File, "-d", d.Name, "--offline"})
}

// onboardBulk onboards every row of a CSV file (header: domain, profile,
// provider, dkim_selector; only domain is required, the others default to
// the flags). Each row is all-or-nothing; every row is reported; the exit
// code is 1 when any row failed.
func (r *run) onboardBulk(path string, o onboard.Options, def onboard.Request) int {
	reqs, err := onboard.ReadCSV(path, def)
	if err != nil {
		r.errorf("%v; nothing was changed", err)
		return ExitError
	}
	var ok, failed []string
	for _, req := range reqs {
		res, err := onboard.One(o, req)
		if err != nil {
			var diags schema.Diagnostics
			if errors.As(err, &diags) {
				var msgs []string
				for _, d := range diags.Errors() {
					msgs = append(msgs, d.String())
				}
				err = fmt.Errorf("the configuration with this domain does not load: %s", strings.Join(msgs, "; "))
			}
			fmt.Fprintf(r.env.Stdout, "%s:%d %s: not onboarded: %s\n", path, req.Row, escape.Terminal(req.Domain), escape.Terminal(err.Error()))
			failed = append(failed, req.Domain)
			continue
		}
		extra := ""
		if res.Created {
			extra = ", zone created"
		}
		fmt.Fprintf(r.env.Stdout, "%s:%d %s: onboarded (provider %s, profile %s, selector %s, %s key in %s%s)\n",
			path, req.Row, res.Domain.Name, res.Domain.Provider, req.Profile, res.Selector, res.Summary, res.Key.Path, extra)
		ok = append(ok, res.Domain.Name)
	}
	fmt.Fprintf(r.env.Stdout, "\n%d of %d rows onboarded, %d failed.\n", len(ok), len(reqs), len(failed))
	if len(ok) > 0 {
		fmt.Fprintf(r.env.Stdout, "Private keys are under %s (mode 0600): give them to the signers and keep them out of git.\nNext: mailzone plan -c %s\n", o.KeyDir, o.Config)
	}
	if len(failed) > 0 {
		r.errorf("%d row(s) of %s were not onboarded: %s", len(failed), path, strings.Join(failed, ", "))
		return ExitError
	}
	return ExitOK
}

// delegation reports how the domain's zone is delegated: a new customer domain
// is often published before the registrar points at the provider.
func (r *run) delegation(cfg *schema.Config, d *schema.Domain) {
	ctx, cancel := context.WithTimeout(context.Background(), delegationTimeout)
	defer cancel()
	del, err := verify.CheckDelegation(ctx, d.Zone, verify.Options{
		Resolver: cfg.Defaults.Resolver, Nameservers: d.Verify.Nameservers,
		Timeout: delegationTimeout, QueryTimeout: 2 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(r.env.Stdout, "Delegation of %s was not checked: %v\n", d.Zone, err)
		return
	}
	fmt.Fprintf(r.env.Stdout, "Delegation of %s: %s\n", d.Zone, del.Status)
	if s := strings.TrimSpace(del.String()); s != "" {
		fmt.Fprintf(r.env.Stdout, "  %s\n", strings.ReplaceAll(s, "\n", "\n  "))
	}
	if del.Status == verify.NotDelegated {
		fmt.Fprintln(r.env.Stdout, "  This is normal for a new customer domain: apply now, and the records are live once the registrar delegates the zone.")
	}
}
