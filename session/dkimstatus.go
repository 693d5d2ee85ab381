package session

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/verify"

	"github.com/mailzone/mailzone/schema"
)

// dkimStatuses gathers where every selector of ds stands (package
// keystatus), with the verify settings of the flags and the configuration.
func (r *Session) dkimStatuses(ctx context.Context, cfg *schema.Config, ds []*schema.Domain, vf Verifying, resolver string) ([]keystatus.Status, error) {
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

// Status is `mailzone dkim status`: each selector's key, age and state.
func (r *Session) Status(f Fleet, vf Verifying, format string) int {
	_, sts, ok := r.statuses(f, vf)
	if !ok {
		return ExitError
	}
	if format == "json" {
		if sts == nil {
			sts = []keystatus.Status{}
		}
		data, _ := json.MarshalIndent(sts, "", "  ")
		r.Env.Stdout.Write(append(data, '\n'))
		return ExitOK
	}
	keystatus.WriteText(r.Env.Stdout, sts)
	return ExitOK
}

// statuses loads the configuration and gathers where every selector of the
// domains f selects stands; ok is false after an error, reported.
func (r *Session) statuses(f Fleet, vf Verifying) (*schema.Config, []keystatus.Status, bool) {
	r.evidence = f.Evidence
	cfg, ds, ok := r.selectDomains(f.Config, f.Domains)
	if !ok {
		return nil, nil, false
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, ds, vf, f.Resolver)
	if err != nil {
		r.errorf("%v", err)
		return nil, nil, false
	}
	return cfg, sts, true
}

// selectDomains loads the configuration and returns the domains -d names,
// or all of them, grouped as fleet.Targets orders them.
func (r *Session) selectDomains(config string, only []string) (*schema.Config, []*schema.Domain, bool) {
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
