package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/verify"

	"github.com/mailzone/mailzone/schema"
)

// dkimStatuses gathers where every selector of ds stands (package
// keystatus), with the verify settings of the flags and the configuration.
func (r *run) dkimStatuses(ctx context.Context, cfg *schema.Config, ds []*schema.Domain, vf verifyFlags, resolver string) ([]keystatus.Status, error) {
	res, err := r.resolver(cfg, resolver)
	if err != nil {
		return nil, fmt.Errorf("resolver: %w", err)
	}
	sts, err := keystatus.Gather(ctx, ds, keystatus.Options{
		Verify:   func(d *schema.Domain) verify.Options { return vf.options(cfg, d, resolver) },
		Resolver: res,
		Now:      r.now(),
		Dir:      cfg.Dir,
	})
	if err != nil && sts != nil {
		r.errorf("%v", err) // the statuses are complete; only the record of first-served times failed
		err = nil
	}
	return sts, err
}

// dkimStatus is `mailzone dkim status`.
func (r *run) dkimStatus(args []string) int {
	fs := flag.NewFlagSet("dkim status", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dkim status", err)
	}
	if len(pos) > 0 {
		return r.usageError("dkim status", fmt.Errorf("unexpected argument %q; limit domains with -d", pos[0]))
	}
	if *format != "text" && *format != "json" {
		return r.usageError("dkim status", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	r.evidence = f.evidence
	cfg, ds, ok := r.selectDomains(f.config, f.domains)
	if !ok {
		return ExitError
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, ds, vf, f.resolver)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if *format == "json" {
		if sts == nil {
			sts = []keystatus.Status{}
		}
		data, _ := json.MarshalIndent(sts, "", "  ")
		r.env.Stdout.Write(append(data, '\n'))
		return ExitOK
	}
	keystatus.WriteText(r.env.Stdout, sts)
	return ExitOK
}

// selectDomains loads the configuration and returns the domains -d names,
// or all of them, grouped as fleet.Targets orders them.
func (r *run) selectDomains(config string, only []string) (*schema.Config, []*schema.Domain, bool) {
	cfg := r.load(config)
	if cfg == nil {
		return nil, nil, false
	}
	ts, err := fleet.Targets(cfg, only)
	if err != nil {
		r.errorf("%v", err)
		return nil, nil, false
	}
	var ds []*schema.Domain
	for _, t := range ts {
		ds = append(ds, t.Domains...)
	}
	return cfg, ds, true
}
