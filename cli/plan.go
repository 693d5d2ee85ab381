package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// target is one zone at one provider instance, with the domains it holds.
type target struct {
	zone     string
	provider string
	domains  []*schema.Domain
}

// targets groups the selected domains by provider and zone, sorted.
func targets(cfg *schema.Config, only []string) ([]*target, error) {
	want := map[string]bool{}
	for _, d := range only {
		name := strings.ToLower(strings.TrimSuffix(d, "."))
		if cfg.Domain(name) == nil {
			return nil, fmt.Errorf("domain %s is not in %s", name, cfg.File)
		}
		want[name] = true
	}
	index := map[string]*target{}
	var out []*target
	for _, d := range cfg.Domains {
		if len(want) > 0 && !want[d.Name] {
			continue
		}
		key := d.Provider + "\x00" + d.Zone
		t, ok := index[key]
		if !ok {
			t = &target{zone: d.Zone, provider: d.Provider}
			index[key] = t
			out = append(out, t)
		}
		t.domains = append(t.domains, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].zone != out[j].zone {
			return out[i].zone < out[j].zone
		}
		return out[i].provider < out[j].provider
	})
	return out, nil
}

// openProviders opens every provider the targets use, once each. Unset
// environment variables of a used provider are reported here, before any request.
func (r *run) openProviders(cfg *schema.Config, ts []*target, share float64) (map[string]providers.Provider, bool) {
	out := map[string]providers.Provider{}
	ok := true
	for _, t := range ts {
		if _, done := out[t.provider]; done {
			continue
		}
		pc := cfg.Provider(t.provider)
		if len(pc.Unset) > 0 {
			r.diagnostics(pc.Unset)
			ok = false
			out[t.provider] = nil
			continue
		}
		p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir, RateShare: share})
		if err != nil {
			r.errorf("%v", err)
			ok = false
		}
		out[t.provider] = p
	}
	return out, ok
}

// makePlan reads every target zone once and diffs it, parallel zones at a
// time; the plan lists zones in target order whatever the timing.
func makePlan(ctx context.Context, cfg *schema.Config, ts []*target, opened map[string]providers.Provider, parallel int, prog *progress, stop *stopper) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Config: cfg.File, Zones: make([]*plan.Zone, len(ts))}
	prepare(ctx, ts, opened)
	defer func() {
		// Zones an interruption kept from being read are errors of the plan.
		for i, t := range ts {
			if p.Zones[i] == nil {
				z := plan.Diff(t.zone, t.provider, t.domains, nil)
				z.Changes, z.Unmanaged, z.Read = []plan.Change{}, nil, []plan.Fingerprint{}
				z.Error = "not read: " + signalName(stop.signal())
				p.Zones[i] = z
			}
		}
	}()
	forEachUntil(len(ts), parallel, prog, stop.Stopped, func(i int) bool {
		t := ts[i]
		observed, err := opened[t.provider].Records(ctx, t.zone)
		if err != nil {
			z := plan.Diff(t.zone, t.provider, t.domains, nil)
			z.Changes, z.Unmanaged, z.Read = []plan.Change{}, nil, []plan.Fingerprint{}
			z.Error = err.Error()
			p.Zones[i] = z
			return false
		}
		p.Zones[i] = plan.Diff(t.zone, t.provider, t.domains, observed)
		return true
	})
	return p
}

// withoutDomains drops the named domains from targets, and targets left empty.
func withoutDomains(ts []*target, drop map[string]bool) []*target {
	var out []*target
	for _, t := range ts {
		var keep []*schema.Domain
		for _, d := range t.domains {
			if !drop[d.Name] {
				keep = append(keep, d)
			}
		}
		if len(keep) > 0 {
			out = append(out, &target{zone: t.zone, provider: t.provider, domains: keep})
		}
	}
	return out
}

// prepare lets each provider that can find many zones at once do so, before
// the zones are read one by one.
func prepare(ctx context.Context, ts []*target, opened map[string]providers.Provider) {
	zones := map[string][]string{}
	for _, t := range ts {
		zones[t.provider] = append(zones[t.provider], t.zone)
	}
	for name, zs := range zones {
		if p, ok := opened[name].(providers.Preparer); ok {
			p.Prepare(ctx, zs)
		}
	}
}

// planFlags are the flags plan and apply share.
type planFlags struct {
	config   string
	domains  multi
	fleet    fleetFlags
	offline  bool
	resolver string
}

func (f *planFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "c", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(&f.config, "config", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.Var(&f.domains, "d", "limit to this domain (repeatable)")
	fs.Var(&f.domains, "domain", "limit to this domain (repeatable)")
	f.fleet.register(fs)
	fs.BoolVar(&f.offline, "offline", false, "skip the checks that need DNS (lint) before planning")
	fs.StringVar(&f.resolver, "resolver", "", "recursive resolver (host:port) for lint and NS discovery (default: defaults.resolver, then /etc/resolv.conf)")
}

// prepare loads the configuration, selects targets and opens their providers.
func (r *run) prepare(f planFlags) (*schema.Config, []*target, map[string]providers.Provider, bool) {
	cfg := r.load(f.config)
	if cfg == nil {
		return nil, nil, nil, false
	}
	ts, err := targets(cfg, f.domains)
	if err == nil {
		ts, err = f.fleet.inShard(ts)
	}
	share, serr := f.fleet.share()
	if err == nil {
		err = serr
	}
	if err != nil {
		r.errorf("%v", err)
		return nil, nil, nil, false
	}
	if !f.offline {
		var ds []*schema.Domain
		for _, t := range ts {
			ds = append(ds, t.domains...)
		}
		bad, findings, ok := r.lintOnline(context.Background(), cfg, ds, f.resolver, f.fleet.parallel)
		r.findings = findings
		if !ok {
			return nil, nil, nil, false
		}
		if len(bad) > 0 {
			ts = withoutDomains(ts, bad)
			r.excluded = exclusions(bad, findings)
		}
	}
	opened, ok := r.openProviders(cfg, ts, share)
	if !ok {
		fmt.Fprintln(r.env.Stderr, "mailzone: nothing was read or changed")
		return nil, nil, nil, false
	}
	return cfg, ts, opened, true
}

func (r *run) plan(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	out := fs.String("out", "", "save the plan to this file for apply")
	format := fs.String("format", "text", "output format: text, json, markdown")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when changes are pending")
	full := fs.Bool("full", false, "show long values (DKIM keys) whole")
	mdOut := fs.String("markdown", "", "also write the plan as a pull-request comment (markdown, under GitHub's size limit) to this file")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("plan", err)
	}
	if len(pos) > 0 {
		return r.usageError("plan", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *format != "text" && *format != "json" && *format != "markdown" {
		return r.usageError("plan", fmt.Errorf("--format must be text, json or markdown, not %q", *format))
	}
	cfg, ts, opened, ok := r.prepare(f)
	if !ok {
		return ExitError
	}
	p := makePlan(r.stop.hard, cfg, ts, opened, f.fleet.parallel, r.newProgress("plan", len(ts)), r.stop)
	p.Excluded = r.excluded
	switch *format {
	case "json":
		data, err := plan.JSON(p)
		if err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		r.env.Stdout.Write(data)
	case "markdown":
		r.markdown(r.env.Stdout, p, cfg, *full, commentLimit)
	default:
		plan.Text(r.env.Stdout, p, plan.TextOptions{Color: r.env.color(), Full: *full})
	}
	if *mdOut != "" {
		var b bytes.Buffer
		r.markdown(&b, p, cfg, *full, commentLimit)
		if err := writeScrubbed(*mdOut, b.Bytes(), *r.secrets); err != nil {
			r.errorf("--markdown: %v", err)
			return ExitError
		}
	}
	if *out != "" {
		if err := plan.Save(p, *out, r.scrub); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if *format == "text" {
			fmt.Fprintf(r.env.Stdout, "\nSaved the plan to %s. Apply exactly these changes with:\n    mailzone apply -c %s %s\n", *out, cfg.File, *out)
		}
	}
	r.stepSummary(p, cfg)
	for _, z := range p.Errors() {
		r.errorf("zone %s (provider %s): %s", z.Zone, z.Provider, z.Error)
	}
	switch {
	case r.stop.Stopped():
		return r.stop.exitCode()
	case len(p.Errors()) > 0:
		return r.excludedExit(p, ExitError)
	case *detailed && p.Counts().Total() > 0:
		return r.excludedExit(p, ExitChanges)
	}
	return r.excludedExit(p, ExitOK)
}
