package session

import (
	"bytes"
	"context"
	"fmt"

	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/rollout"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// openProviders opens every provider the targets use (fleet.Open) and says
// what keeps any from opening, before any request.
func (r *Session) openProviders(cfg *schema.Config, ts []*fleet.Target, share float64, dns providers.DNS) (map[string]providers.Provider, bool) {
	opened, unset, errs := fleet.Open(cfg, ts, share, dns)
	r.diagnostics(unset)
	for _, err := range errs {
		r.errorf("%v", err)
	}
	return opened, len(unset) == 0 && len(errs) == 0
}

// reading is how plan and apply read the fleet.
func (r *Session) reading(f Fleet, cfg *schema.Config, opened map[string]providers.Provider, n int) fleet.Reading {
	return fleet.Reading{
		Providers: opened,
		Parallel:  f.Parallel,
		Progress:  r.newProgress("plan", n),
		Stopped:   r.stop.Stopped,
		Why:       r.stop.Why,
		Stop:      r.stop.Soft(),
		API:       f.Read == "api",
		DNS:       fleet.ZoneDNS(cfg, f.Resolver, f.Nameservers),
	}
}

// prepare loads the configuration, selects targets and opens their providers.
func (r *Session) prepare(f Fleet) (*schema.Config, []*fleet.Target, map[string]providers.Provider, bool) {
	if f.Read != "" && f.Read != "dns" && f.Read != "api" {
		r.errorf("--read must be dns or api, not %q", f.Read)
		return nil, nil, nil, false
	}
	r.evidence = f.Evidence
	cfg := r.load(f.Config)
	if cfg == nil {
		return nil, nil, nil, false
	}
	ts, err := fleet.Targets(cfg, f.Domains)
	if err == nil {
		ts, err = fleet.InShard(ts, f.Shard)
	}
	share, serr := f.share()
	if err == nil {
		err = serr
	}
	if err != nil {
		r.errorf("%v", err)
		return nil, nil, nil, false
	}
	if !f.Offline {
		var ds []*schema.Domain
		for _, t := range ts {
			ds = append(ds, t.Domains...)
		}
		bad, findings, ok := r.lintOnline(context.Background(), cfg, ds, f.Resolver, f.Parallel)
		r.findings = findings
		if !ok {
			return nil, nil, nil, false
		}
		if len(bad) > 0 {
			ts = fleet.WithoutDomains(ts, bad)
			r.excluded = plan.Exclusions(bad, findings)
		}
	}
	if refused := r.flattenSPF(cfg, ts, f.Resolver, f.Offline); len(refused) > 0 {
		drop := map[string]bool{}
		for d, err := range refused {
			drop[d] = true
			r.excluded = append(r.excluded, plan.Excluded{Domain: d, Reasons: []string{"spf: flattening refused, so nothing is written for this domain: " + err.Error()}})
		}
		ts = fleet.WithoutDomains(ts, drop)
	}
	opened, ok := r.openProviders(cfg, ts, share, fleet.ZoneDNS(cfg, f.Resolver, f.Nameservers))
	if !ok {
		fmt.Fprintln(r.Env.Stderr, "mailzone: nothing was read or changed")
		return nil, nil, nil, false
	}
	return cfg, ts, opened, true
}

// PlanOptions are plan's options.
type PlanOptions struct {
	Fleet
	// Out saves the plan to this file for apply.
	Out string
	// Format is text, json or markdown.
	Format string
	// Detailed exits 2 when changes are pending.
	Detailed bool
	// Full shows long values (DKIM keys) whole.
	Full bool
	// Markdown also writes the plan as a pull-request comment to this file.
	Markdown string
}

// Plan shows what would change: it reads every zone once and diffs it with
// the configuration.
func (r *Session) Plan(o PlanOptions) int {
	f := o.Fleet
	cfg, ts, opened, ok := r.prepare(f)
	if !ok {
		return ExitError
	}
	rd := r.reading(f, cfg, opened, len(ts))
	rd.Shown = o.Out == "" && o.Format != "json"
	p := fleet.Read(r.stop.Hard(), cfg, ts, rd)
	p.Excluded = r.excluded
	p.Rollouts = r.rolloutsOf(p)
	p.Flattened = r.flattenedOf(p)
	if !r.render(p, o.Format, o.Full, cfg) {
		return ExitError
	}
	if o.Markdown != "" {
		var b bytes.Buffer
		r.markdown(&b, p, cfg, o.Full, commentLimit)
		if err := writeScrubbed(o.Markdown, b.Bytes(), *r.secrets); err != nil {
			r.errorf("--markdown: %v", err)
			return ExitError
		}
	}
	if o.Out != "" {
		if err := plan.Save(p, o.Out, r.scrub); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if o.Format == "text" {
			fmt.Fprintf(r.Env.Stdout, "\nSaved the plan to %s. Apply exactly these changes with:\n    mailzone apply -c %s %s\n", o.Out, cfg.File, o.Out)
		}
	}
	r.stepSummary(p, cfg)
	for _, z := range p.Errors() {
		r.errorf("zone %s (provider %s): %s", z.Zone, z.Provider, z.Error)
	}
	switch {
	case r.stop.Stopped():
		return r.stop.ExitCode()
	case len(p.Errors()) > 0:
		return r.excludedExit(p, ExitError)
	case o.Detailed && p.Counts().Total() > 0:
		return r.excludedExit(p, ExitChanges)
	}
	return r.excludedExit(p, ExitOK)
}

// rolloutsOf are the rollouts of the domains the plan covers.
func (r *Session) rolloutsOf(p *plan.Plan) []rollout.Status {
	if len(r.rollouts) == 0 {
		return nil
	}
	in := p.Covers()
	var out []rollout.Status
	for _, st := range r.rollouts {
		if in[st.Domain] {
			out = append(out, st)
		}
	}
	return out
}

// render prints the plan as text, json or markdown (with the warnings of
// cfg and of lint, when cfg is given). It reports false after an error.
func (r *Session) render(p *plan.Plan, format string, full bool, cfg *schema.Config) bool {
	switch format {
	case "json":
		data, err := plan.JSON(p)
		if err != nil {
			r.errorf("%v", err)
			return false
		}
		r.Env.Stdout.Write(data)
	case "markdown":
		r.markdown(r.Env.Stdout, p, cfg, full, commentLimit)
	default:
		plan.Text(r.Env.Stdout, p, plan.TextOptions{Color: r.Env.Color(), Full: full})
	}
	return true
}
