package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// delegationTimeout bounds onboard's delegation check; onboarding never waits
// long on DNS.
const delegationTimeout = 10 * time.Second

// onboard adds a new customer domain to the configuration with a profile and a
// fresh DKIM key, reports how the domain is delegated, and shows its plan.
func (r *run) onboard(args []string) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	var kf keyFlags
	kf.register(fs)
	provider := fs.String("provider", "", "the provider serving the domain's zone (default: defaults.provider)")
	profile := fs.String("profile", "", "the profile the domain follows (required)")
	selector := fs.String("dkim-selector", "", "the DKIM selector (default mz<yyyymm>)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("onboard", err)
	}
	if len(pos) != 1 {
		return r.usageError("onboard", fmt.Errorf("name one domain"))
	}
	if *profile == "" {
		return r.usageError("onboard", fmt.Errorf("--profile is required: the policy the domain follows"))
	}
	sel := strings.ToLower(*selector)
	if sel == "" {
		sel = defaultSelector(time.Now())
	}
	if err := dkim.ValidSelector(sel); err != nil {
		return r.usageError("onboard", fmt.Errorf("--dkim-selector: %v", err))
	}
	if kf.algorithm == "" {
		kf.algorithm = "rsa"
	}
	if kf.algorithm != "rsa" && kf.algorithm != "ed25519" {
		return r.usageError("onboard", fmt.Errorf("--dkim-algorithm must be rsa or ed25519, not %q", kf.algorithm))
	}
	domain := strings.ToLower(strings.TrimSuffix(pos[0], "."))
	cfg := r.load(kf.config)
	if cfg == nil {
		return ExitError
	}
	if cfg.Domain(domain) != nil {
		r.errorf("domain %s is already in %s; nothing was changed (to add a DKIM key, use mailzone dkim rotate)", domain, cfg.File)
		return ExitError
	}
	if *provider == "" && cfg.Defaults.Provider == "" {
		return r.usageError("onboard", fmt.Errorf("--provider is required: %s has no defaults.provider (declared: %s)", cfg.File, declaredProviders(cfg)))
	}
	if *provider != "" && cfg.Provider(*provider) == nil {
		r.errorf("provider %q is not declared in %s (declared: %s); nothing was changed", *provider, cfg.File, declaredProviders(cfg))
		return ExitError
	}
	edit, err := readConfigEdit(cfg.File)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if _, v := lookupKey(edit.root, "profiles"); v == nil || func() bool { k, _ := lookupKey(v, *profile); return k == nil }() {
		r.errorf("profile %q is not declared in %s; nothing was changed", *profile, cfg.File)
		return ExitError
	}
	key, err := newKey(kf.algorithm)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	k, err := writeKey(cfg.Dir, kf.keyDir, domain, sel, key)
	if err != nil {
		r.errorf("%v; nothing was changed", err)
		return ExitError
	}
	var fields []string
	if *provider != "" {
		fields = append(fields, "provider: "+yamlScalar(*provider))
	}
	fields = append(fields, "profile: "+yamlScalar(*profile), "dkim:")
	fields = append(fields, strings.Repeat(" ", edit.childIndent())+yamlScalar(sel)+": {key_file: "+yamlScalar(k.ref)+"}")
	data, err := edit.addDomain(domain, fields)
	var after *schema.Config
	if err == nil {
		after, err = checkEdit(cfg, cfg.File, data, r.env.LookupEnv, domain)
	}
	if err == nil {
		err = writeAtomic(cfg.File, data)
	}
	if err != nil {
		k.remove()
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
			err = fmt.Errorf("the configuration with %s does not load; nothing was changed", domain)
		}
		r.errorf("%v", err)
		return ExitError
	}
	d := after.Domain(domain)
	fmt.Fprintf(r.env.Stdout, "Added %s to %s (provider %s, profile %s).\n", domain, cfg.File, d.Provider, *profile)
	fmt.Fprintf(r.env.Stdout, "DKIM selector %s: a new %s key. The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n", sel, publicSummary(key), k.path, k.ref)
	r.delegation(after, d)
	fmt.Fprintln(r.env.Stdout)
	fmt.Fprintf(r.env.Stdout, "The checks that need DNS: mailzone lint -c %s -d %s\n\n", cfg.File, domain)
	return r.plan([]string{"-c", cfg.File, "-d", domain, "--offline"})
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
