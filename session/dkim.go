package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/rotate"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/schema"
)

// RotateOptions are dkim rotate's options.
type RotateOptions struct {
	// Config is -c.
	Config string
	// Algorithm is rsa or ed25519; empty is the algorithm of the domain's
	// newest key.
	Algorithm string
	// KeyDir is the directory of private keys, relative to the configuration.
	KeyDir string
	// Domain and Selector are the domain that gets a new Selector.
	Domain, Selector string
	// Due adds a key to every domain (of Domains, when given) whose newest
	// key is older than its dkim_policy rotate_every.
	Due     bool
	Domains []string
}

// Rotate adds a new selector with a new key beside a domain's old ones, or
// with Due to every domain whose key is due.
func (r *Session) Rotate(o RotateOptions) int {
	o.Config = r.configPath(o.Config)
	if o.Due {
		return r.rotateDue(o)
	}
	sel := strings.ToLower(o.Selector)
	domain := strings.ToLower(strings.TrimSuffix(o.Domain, "."))
	cfg := r.load(o.Config)
	if cfg == nil {
		return ExitError
	}
	d := cfg.Domain(domain)
	if d == nil {
		r.errorf("domain %s is not in %s; add it with mailzone onboard", domain, cfg.File)
		return ExitError
	}
	old, err := rotate.CanAdd(d, sel)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if o.Algorithm == "" {
		o.Algorithm = rotate.NewestAlgorithm(d)
	}
	if o.Algorithm != "rsa" && o.Algorithm != "ed25519" {
		return r.UsageError("dkim rotate", fmt.Errorf("--dkim-algorithm must be rsa or ed25519, not %q", o.Algorithm))
	}
	k, key, err := r.keyEditor(o.KeyDir).AddKey(cfg, domain, rotate.Key{Selector: sel, Algorithm: o.Algorithm}, 0)
	if err != nil {
		return r.editError(err, "the edited configuration does not load; nothing was written")
	}
	fmt.Fprintf(r.Env.Stdout, "Added DKIM selector %s to %s in %s, with a new %s key.\n", sel, domain, cfg.File, keyfile.Summary(key))
	fmt.Fprintf(r.Env.Stdout, "The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n\n", k.Path, k.Ref)
	fmt.Fprintln(r.Env.Stdout, "Next:")
	fmt.Fprintf(r.Env.Stdout, "  1. Apply, so %s._domainkey.%s is published next to the old selectors.\n", sel, domain)
	fmt.Fprintf(r.Env.Stdout, "  2. Move the signers to selector %s and the new key; wait until no mail signed with the old key is in flight (a few days).\n", sel)
	if len(old) > 0 {
		fmt.Fprintf(r.Env.Stdout, "  3. In a later change, mark the old selector(s) revoked: %s: {revoked: true}.\n", strings.Join(old, ", "))
	} else {
		fmt.Fprintln(r.Env.Stdout, "  3. In a later change, mark any old selector revoked: {revoked: true}.")
	}
	fmt.Fprintln(r.Env.Stdout)
	return r.Plan(PlanOptions{Fleet: one(cfg.File, domain), Format: "text"})
}

// keyEditor adds keys to the configuration with this run's clock,
// environment and secret scrubbing.
func (r *Session) keyEditor(keyDir string) rotate.Editor {
	return rotate.Editor{KeyDir: keyDir, Now: r.now(), LookupEnv: r.Env.LookupEnv,
		Write: func(path string, data []byte) error { return writeScrubbed(path, data, *r.secrets) }}
}

// rotateDue adds a new key to every domain whose newest key is due under its
// dkim_policy, named by the policy's selector pattern. Each domain is
// all-or-nothing; every domain with a policy is reported.
func (r *Session) rotateDue(o RotateOptions) int {
	cfg := r.load(o.Config)
	if cfg == nil {
		return ExitError
	}
	want := map[string]bool{}
	for _, d := range o.Domains {
		want[strings.ToLower(strings.TrimSuffix(d, "."))] = true
	}
	now := r.now()
	var names []string
	for _, d := range cfg.Domains {
		if (len(want) == 0 || want[d.Name]) && !d.Parked && d.DKIMPolicy.RotateEvery > 0 {
			names = append(names, d.Name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(r.Env.Stdout, "No domain has a dkim_policy with rotate_every; nothing to rotate.")
		return ExitOK
	}
	failed, added := 0, 0
	for _, name := range names {
		if cfg = r.reload(o.Config); cfg == nil { // the previous domain's edit changed the file
			return ExitError
		}
		d := cfg.Domain(name)
		add, why := rotate.Due(d, now)
		if why != "" {
			fmt.Fprintf(r.Env.Stdout, "%s: %s\n", name, why)
			continue
		}
		for _, sp := range add {
			if declares(d, sp.Selector) {
				fmt.Fprintf(r.Env.Stdout, "%s: selector %s is already declared; not rotated again\n", name, sp.Selector)
				continue
			}
			k, key, err := r.keyEditor(o.KeyDir).AddKey(cfg, name, sp, d.DKIMPolicy.Bits)
			if err != nil {
				var diags schema.Diagnostics
				if errors.As(err, &diags) {
					err = fmt.Errorf("the edited configuration does not load: %v", diags)
				}
				fmt.Fprintf(r.Env.Stdout, "%s: not rotated: %s\n", name, escape.Terminal(err.Error()))
				failed++
				break
			}
			added++
			fmt.Fprintf(r.Env.Stdout, "%s: added selector %s with a new %s key (private key %s)\n", name, sp.Selector, keyfile.Summary(key), k.Path)
			if cfg = r.reload(o.Config); cfg == nil {
				return ExitError
			}
		}
	}
	if added > 0 {
		fmt.Fprintf(r.Env.Stdout, "\n%d new key(s). Next: apply; wait until each is ready (mailzone dkim ready DOMAIN SELECTOR --wait); move the signers to it; then mailzone dkim retire DOMAIN OLD-SELECTOR.\n", added)
	}
	if failed > 0 {
		return ExitError
	}
	return ExitOK
}

// Retire is `mailzone dkim retire DOMAIN SELECTOR`: it marks the selector
// revoked in the configuration, in place, only when another selector of the
// domain is ready (served everywhere, past the negative TTL): retiring the
// last usable key would leave the domain's mail unsigned or failing.
func (r *Session) Retire(f Fleet, vf Verifying, domain, sel string) int {
	domain, sel = strings.ToLower(strings.TrimSuffix(domain, ".")), strings.ToLower(sel)
	r.evidence = f.Evidence
	cfg := r.load(f.Config)
	if cfg == nil {
		return ExitError
	}
	d := cfg.Domain(domain)
	if d == nil || !declares(d, sel) {
		r.errorf("domain %s declares no selector %s in %s; nothing was changed", escape.Short(domain), escape.Short(sel), cfg.File)
		return ExitError
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, []*schema.Domain{d}, vf, f.Resolver)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	others, why, revoked := keystatus.Retirable(sts, sel)
	if revoked {
		fmt.Fprintf(r.Env.Stdout, "Selector %s of %s is already revoked.\n", sel, domain)
		return ExitOK
	}
	if len(others) == 0 {
		r.errorf("not retiring %s of %s: no other selector of the domain is ready to sign with (%s); nothing was changed", sel, domain, why)
		return ExitError
	}
	if err := r.keyEditor("").Retire(cfg, domain, sel); err != nil {
		r.errorf("%v; nothing was changed", err)
		return ExitError
	}
	fmt.Fprintf(r.Env.Stdout, "Marked selector %s of %s revoked in %s (%s ready). Apply to publish \"v=DKIM1; p=\" there.\n", sel, domain, cfg.File, strings.Join(others, ", "))
	return ExitOK
}

// reload loads the configuration again after this run edited it, without
// printing its warnings a second time.
func (r *Session) reload(path string) *schema.Config {
	cfg, err := schema.Load(path)
	if err != nil {
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
		} else {
			r.errorf("%v", err)
		}
		return nil
	}
	return cfg
}

// declares reports whether the domain names the selector itself (a wildcard
// revocation does not count).
func declares(d *schema.Domain, sel string) bool {
	for _, s := range d.DKIM {
		if s.Name == sel {
			return true
		}
	}
	return false
}
