package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/onboard"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// delegationTimeout bounds onboard's delegation check; onboarding never waits
// long on DNS.
const delegationTimeout = 10 * time.Second

// OnboardOptions are onboard's options.
type OnboardOptions struct {
	// Options are onboard.Options as the flags set them (algorithm, key
	// directory, configuration, zone creation); Onboard adds the clock,
	// the environment and secret scrubbing.
	onboard.Options
	// Request is the domain to add, or with From the defaults of each row.
	Request onboard.Request
	// From is a CSV file of domains to add.
	From string
	// Instructions, for a manual provider, also gets the DNS admin's
	// instructions as markdown.
	Instructions string
}

// Onboard adds new customer domains to the configuration with a profile
// and a fresh DKIM key. Every check (the edited configuration loads, every
// other domain is unchanged, the zone exists at the provider) runs before
// anything is written; a failure leaves no trace.
func (r *Session) Onboard(oo OnboardOptions) int {
	o := oo.Options
	o.Config = r.configPath(o.Config)
	o.Now, o.LookupEnv, o.Secrets = r.now(), r.Env.LookupEnv, r.secrets
	o.WriteConfig = func(path string, data []byte) error { return writeScrubbed(path, data, *r.secrets) }
	if oo.From != "" {
		return r.onboardBulk(oo.From, o, oo.Request)
	}
	req := oo.Request
	res, err := onboard.One(o, req)
	if err != nil {
		return r.editError(err, fmt.Sprintf("the configuration with %s does not load; nothing was changed", req.Domain))
	}
	d := res.Domain
	if res.Created {
		fmt.Fprintf(r.Env.Stdout, "Created the zone %s at provider %s, with SOA and NS records only.\n", d.Zone, d.Provider)
	}
	fmt.Fprintf(r.Env.Stdout, "Added %s to %s (provider %s, profile %s).\n", d.Name, res.Config.File, d.Provider, req.Profile)
	fmt.Fprintf(r.Env.Stdout, "DKIM selector %s: a new %s key. The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n", res.Selector, res.Summary, res.Key.Path, res.Key.Ref)
	for _, k := range res.More {
		fmt.Fprintf(r.Env.Stdout, "Another private key is in %s; the configuration names %s.\n", k.Path, k.Ref)
	}
	r.delegation(res.Config, d)
	fmt.Fprintln(r.Env.Stdout)
	fmt.Fprintf(r.Env.Stdout, "The checks that need DNS: mailzone lint -c %s -d %s\n\n", res.Config.File, d.Name)
	if pc := res.Config.Provider(d.Provider); pc != nil && pc.Type == "manual" {
		// The customer's DNS admin makes the changes: print what to ask
		// for. Nothing is written; apply reads the zone through DNS.
		code := r.Apply(ApplyOptions{Fleet: one(res.Config.File, d.Name), Yes: true, NoWait: true, Instructions: oo.Instructions, Format: "text"})
		if code == ExitOK {
			fmt.Fprintf(r.Env.Stdout, "Once the DNS admin of %s has made the changes, mailzone verify -c %s -d %s says when every nameserver serves them; mailzone dkim ready says when to start signing.\n", d.Name, res.Config.File, d.Name)
		}
		return code
	}
	return r.Plan(PlanOptions{Fleet: one(res.Config.File, d.Name), Format: "text"})
}

// onboardBulk onboards every row of a CSV file (header: domain, profile,
// provider, dkim_selector; only domain is required, the others default to
// the flags). Each row is all-or-nothing; every row is reported; the exit
// code is 1 when any row failed.
func (r *Session) onboardBulk(path string, o onboard.Options, def onboard.Request) int {
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
			fmt.Fprintf(r.Env.Stdout, "%s:%d %s: not onboarded: %s\n", path, req.Row, escape.Terminal(req.Domain), escape.Terminal(err.Error()))
			failed = append(failed, req.Domain)
			continue
		}
		extra := ""
		if res.Created {
			extra = ", zone created"
		}
		fmt.Fprintf(r.Env.Stdout, "%s:%d %s: onboarded (provider %s, profile %s, selector %s, %s key in %s%s)\n",
			path, req.Row, res.Domain.Name, res.Domain.Provider, req.Profile, res.Selector, res.Summary, res.Key.Path, extra)
		ok = append(ok, res.Domain.Name)
	}
	fmt.Fprintf(r.Env.Stdout, "\n%d of %d rows onboarded, %d failed.\n", len(ok), len(reqs), len(failed))
	if len(ok) > 0 {
		fmt.Fprintf(r.Env.Stdout, "Private keys are under %s (mode 0600): give them to the signers and keep them out of git.\nNext: mailzone plan -c %s\n", o.KeyDir, o.Config)
	}
	if len(failed) > 0 {
		r.errorf("%d row(s) of %s were not onboarded: %s", len(failed), path, strings.Join(failed, ", "))
		return ExitError
	}
	return ExitOK
}

// delegation reports how the domain's zone is delegated: a new customer domain
// is often published before the registrar points at the provider.
func (r *Session) delegation(cfg *schema.Config, d *schema.Domain) {
	ctx, cancel := context.WithTimeout(context.Background(), delegationTimeout)
	defer cancel()
	del, err := verify.CheckDelegation(ctx, d.Zone, verify.Options{
		Resolver: cfg.Defaults.Resolver, Nameservers: d.Verify.Nameservers,
		Timeout: delegationTimeout, QueryTimeout: 2 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(r.Env.Stdout, "Delegation of %s was not checked: %v\n", d.Zone, err)
		return
	}
	fmt.Fprintf(r.Env.Stdout, "Delegation of %s: %s\n", d.Zone, del.Status)
	if s := strings.TrimSpace(del.String()); s != "" {
		fmt.Fprintf(r.Env.Stdout, "  %s\n", strings.ReplaceAll(s, "\n", "\n  "))
	}
	if del.Status == verify.NotDelegated {
		fmt.Fprintln(r.Env.Stdout, "  This is normal for a new customer domain: apply now, and the records are live once the registrar delegates the zone.")
	}
}
