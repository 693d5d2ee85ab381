package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/cmdline"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/rotate"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/schema"
)

// keyFlags are the flags of the commands that make a DKIM key.
type keyFlags struct {
	config    string
	algorithm string
	keyDir    string
}

func (f *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "c", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(&f.config, "config", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(&f.algorithm, "dkim-algorithm", "", "DKIM key algorithm: rsa (2048 bits) or ed25519 (default: rsa for onboard; for dkim rotate, the algorithm of the domain's newest key)")
	fs.StringVar(&f.keyDir, "key-dir", "keys", "directory for private keys, relative to the configuration file")
}

// dkimCmd dispatches the dkim subcommands.
func (r *run) dkimCmd(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fmt.Fprint(r.env.Stdout, "Usage: mailzone dkim SUBCOMMAND [flags]\n\nSubcommands:\n")
			for _, sub := range []string{"status", "ready", "rotate", "retire", "export"} {
				fmt.Fprintf(r.env.Stdout, "  %-8s %s\n", sub, docs["dkim "+sub].About)
			}
			fmt.Fprint(r.env.Stdout, "\nRun mailzone dkim SUBCOMMAND -h for its flags.\n")
			return ExitOK
		}
		return r.usageError("dkim", fmt.Errorf("name a subcommand: status, ready, rotate, retire or export"))
	}
	switch args[0] {
	case "rotate":
		return r.rotate(args[1:])
	case "status":
		return r.dkimStatus(args[1:])
	case "ready":
		return r.dkimReady(args[1:])
	case "retire":
		return r.retire(args[1:])
	case "export":
		return r.dkimExport(args[1:])
	}
	hint := ""
	if n := cmdline.Nearest(args[0], []string{"status", "ready", "rotate", "retire", "export"}); n != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", n)
	}
	return r.usageError("dkim", fmt.Errorf("unknown subcommand %q%s; the subcommands are status, ready, rotate, retire and export", args[0], hint))
}

// rotate adds a new selector with a new key beside a domain's old ones.
func (r *run) rotate(args []string) int {
	fs := flag.NewFlagSet("dkim rotate", flag.ContinueOnError)
	var kf keyFlags
	kf.register(fs)
	selector := fs.String("selector", "", "the new selector (required), such as "+keyfile.DefaultSelector(time.Now()))
	due := fs.Bool("due", false, "add a new key to every domain whose newest key is older than its dkim_policy rotate_every")
	var domains multi
	fs.Var(&domains, "d", "with --due: limit to this domain (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dkim rotate", err)
	}
	kf.config = r.configPath(kf.config)
	if *due {
		if len(pos) > 0 || *selector != "" {
			return r.usageError("dkim rotate", fmt.Errorf("--due names selectors from each domain's dkim_policy; give domains with -d, and no --selector"))
		}
		return r.rotateDue(kf, domains)
	}
	if len(pos) != 1 {
		return r.usageError("dkim rotate", fmt.Errorf("name one domain"))
	}
	if *selector == "" {
		return r.usageError("dkim rotate", fmt.Errorf("--selector is required: the new selector, such as %s", keyfile.DefaultSelector(time.Now())))
	}
	if err := dkim.ValidSelector(*selector); err != nil {
		return r.usageError("dkim rotate", fmt.Errorf("--selector: %v", err))
	}
	sel := strings.ToLower(*selector)
	domain := strings.ToLower(strings.TrimSuffix(pos[0], "."))
	cfg := r.load(kf.config)
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
	if kf.algorithm == "" {
		kf.algorithm = rotate.NewestAlgorithm(d)
	}
	if kf.algorithm != "rsa" && kf.algorithm != "ed25519" {
		return r.usageError("dkim rotate", fmt.Errorf("--dkim-algorithm must be rsa or ed25519, not %q", kf.algorithm))
	}
	k, key, err := r.keyEditor(kf.keyDir).AddKey(cfg, domain, rotate.Key{Selector: sel, Algorithm: kf.algorithm}, 0)
	if err != nil {
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
			err = fmt.Errorf("the edited configuration does not load; nothing was written")
		}
		r.errorf("%v", err)
		return ExitError
	}
	fmt.Fprintf(r.env.Stdout, "Added DKIM selector %s to %s in %s, with a new %s key.\n", sel, domain, cfg.File, keyfile.Summary(key))
	fmt.Fprintf(r.env.Stdout, "The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n\n", k.Path, k.Ref)
	fmt.Fprintln(r.env.Stdout, "Next:")
	fmt.Fprintf(r.env.Stdout, "  1. Apply, so %s._domainkey.%s is published next to the old selectors.\n", sel, domain)
	fmt.Fprintf(r.env.Stdout, "  2. Move the signers to selector %s and the new key; wait until no mail signed with the old key is in flight (a few days).\n", sel)
	if len(old) > 0 {
		fmt.Fprintf(r.env.Stdout, "  3. In a later change, mark the old selector(s) revoked: %s: {revoked: true}.\n", strings.Join(old, ", "))
	} else {
		fmt.Fprintln(r.env.Stdout, "  3. In a later change, mark any old selector revoked: {revoked: true}.")
	}
	fmt.Fprintln(r.env.Stdout)
	return r.plan([]string{"-c", cfg.File, "-d", domain, "--offline"})
}

// keyEditor adds keys to the configuration with this run's clock,
// environment and secret scrubbing.
func (r *run) keyEditor(keyDir string) rotate.Editor {
	return rotate.Editor{KeyDir: keyDir, Now: r.now(), LookupEnv: r.env.LookupEnv,
		Write: func(path string, data []byte) error { return writeScrubbed(path, data, *r.secrets) }}
}

// rotateDue adds a new key to every domain whose newest key is due under its
// dkim_policy, named by the policy's selector pattern. Each domain is
// all-or-nothing; every domain with a policy is reported.
func (r *run) rotateDue(kf keyFlags, only multi) int {
	cfg := r.load(kf.config)
	if cfg == nil {
		return ExitError
	}
	want := map[string]bool{}
	for _, d := range only {
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
		fmt.Fprintln(r.env.Stdout, "No domain has a dkim_policy with rotate_every; nothing to rotate.")
		return ExitOK
	}
	failed, added := 0, 0
	for _, name := range names {
		if cfg = r.reload(kf.config); cfg == nil { // the previous domain's edit changed the file
			return ExitError
		}
		d := cfg.Domain(name)
		add, why := rotate.Due(d, now)
		if why != "" {
			fmt.Fprintf(r.env.Stdout, "%s: %s\n", name, why)
			continue
		}
		for _, sp := range add {
			if declares(d, sp.Selector) {
				fmt.Fprintf(r.env.Stdout, "%s: selector %s is already declared; not rotated again\n", name, sp.Selector)
				continue
			}
			k, key, err := r.keyEditor(kf.keyDir).AddKey(cfg, name, sp, d.DKIMPolicy.Bits)
			if err != nil {
				var diags schema.Diagnostics
				if errors.As(err, &diags) {
					err = fmt.Errorf("the edited configuration does not load: %v", diags)
				}
				fmt.Fprintf(r.env.Stdout, "%s: not rotated: %s\n", name, escape.Terminal(err.Error()))
				failed++
				break
			}
			added++
			fmt.Fprintf(r.env.Stdout, "%s: added selector %s with a new %s key (private key %s)\n", name, sp.Selector, keyfile.Summary(key), k.Path)
			if cfg = r.reload(kf.config); cfg == nil {
				return ExitError
			}
		}
	}
	if added > 0 {
		fmt.Fprintf(r.env.Stdout, "\n%d new key(s). Next: apply; wait until each is ready (mailzone dkim ready DOMAIN SELECTOR --wait); move the signers to it; then mailzone dkim retire DOMAIN OLD-SELECTOR.\n", added)
	}
	if failed > 0 {
		return ExitError
	}
	return ExitOK
}

// retire is `mailzone dkim retire DOMAIN SELECTOR`: it marks the selector
// revoked in the configuration, in place, only when another selector of the
// domain is ready (served everywhere, past the negative TTL): retiring the
// last usable key would leave the domain's mail unsigned or failing.
func (r *run) retire(args []string) int {
	fs := flag.NewFlagSet("dkim retire", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dkim retire", err)
	}
	if len(pos) != 2 {
		return r.usageError("dkim retire", fmt.Errorf("name a domain and a selector"))
	}
	domain, sel := strings.ToLower(strings.TrimSuffix(pos[0], ".")), strings.ToLower(pos[1])
	r.evidence = f.evidence
	cfg := r.load(f.config)
	if cfg == nil {
		return ExitError
	}
	d := cfg.Domain(domain)
	if d == nil || !declares(d, sel) {
		r.errorf("domain %s declares no selector %s in %s; nothing was changed", escape.Short(domain), escape.Short(sel), cfg.File)
		return ExitError
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, []*schema.Domain{d}, vf, f.resolver)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	others, why, revoked := keystatus.Retirable(sts, sel)
	if revoked {
		fmt.Fprintf(r.env.Stdout, "Selector %s of %s is already revoked.\n", sel, domain)
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
	fmt.Fprintf(r.env.Stdout, "Marked selector %s of %s revoked in %s (%s ready). Apply to publish \"v=DKIM1; p=\" there.\n", sel, domain, cfg.File, strings.Join(others, ", "))
	return ExitOK
}

// reload loads the configuration again after this run edited it, without
// printing its warnings a second time.
func (r *run) reload(path string) *schema.Config {
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
