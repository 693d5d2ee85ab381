package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/rollout"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// openProviders opens every provider the targets use (fleet.Open) and says
// what keeps any from opening, before any request.
func (r *run) openProviders(cfg *schema.Config, ts []*fleet.Target, share float64, dns providers.DNS) (map[string]providers.Provider, bool) {
	opened, unset, errs := fleet.Open(cfg, ts, share, dns)
	r.diagnostics(unset)
	for _, err := range errs {
		r.errorf("%v", err)
	}
	return opened, len(unset) == 0 && len(errs) == 0
}

// planFlags are the flags plan and apply share.
type planFlags struct {
	config   string
	domains  multi
	fleet    fleetFlags
	offline  bool
	resolver string
	evidence string
	// read is how zones at providers with their own nameservers are read:
	// "dns" (those nameservers first, the API where they cannot prove the
	// zone unchanged) or "api" (always the API).
	read string
	// nameservers are apply's --nameserver addresses, which zones read
	// through DNS (manual) are read from too.
	nameservers []string
}

func (f *planFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "c", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(&f.config, "config", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.Var(&f.domains, "d", "limit to this domain (repeatable)")
	fs.Var(&f.domains, "domain", "limit to this domain (repeatable)")
	f.fleet.register(fs)
	fs.BoolVar(&f.offline, "offline", false, "skip the checks that need DNS (lint) before planning")
	fs.StringVar(&f.resolver, "resolver", "", "recursive resolver (host:port) for lint and NS discovery (default: defaults.resolver, then /etc/resolv.conf)")
	fs.StringVar(&f.evidence, "dmarc-evidence", "", "the DMARC report summary (dmarc reports --out) that gated rollout stages need (default: defaults.dmarc_evidence)")
}

// registerRead adds --read, which only plan and apply have.
func (f *planFlags) registerRead(fs *flag.FlagSet) {
	fs.StringVar(&f.read, "read", "dns", "read Cloudflare and Route 53 zones from their nameservers first (dns), listing through the API only zones DNS cannot show unchanged, or always through the API (api)")
}

// reading is how plan and apply read the fleet.
func (r *run) reading(f planFlags, cfg *schema.Config, opened map[string]providers.Provider, n int) fleet.Reading {
	return fleet.Reading{
		Providers: opened,
		Parallel:  f.fleet.parallel,
		Progress:  r.newProgress("plan", n),
		Stopped:   r.stop.Stopped,
		Why:       r.stop.Why,
		Stop:      r.stop.Soft(),
		API:       f.read == "api",
		DNS:       fleet.ZoneDNS(cfg, f.resolver, f.nameservers),
	}
}

// prepare loads the configuration, selects targets and opens their providers.
func (r *run) prepare(f planFlags) (*schema.Config, []*fleet.Target, map[string]providers.Provider, bool) {
	if f.read != "" && f.read != "dns" && f.read != "api" {
		r.errorf("--read must be dns or api, not %q", f.read)
		return nil, nil, nil, false
	}
	r.evidence = f.evidence
	cfg := r.load(f.config)
	if cfg == nil {
		return nil, nil, nil, false
	}
	ts, err := fleet.Targets(cfg, f.domains)
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
			ds = append(ds, t.Domains...)
		}
		bad, findings, ok := r.lintOnline(context.Background(), cfg, ds, f.resolver, f.fleet.parallel)
		r.findings = findings
		if !ok {
			return nil, nil, nil, false
		}
		if len(bad) > 0 {
			ts = fleet.WithoutDomains(ts, bad)
			r.excluded = plan.Exclusions(bad, findings)
		}
	}
	if refused := r.flattenSPF(cfg, ts, f.resolver, f.offline); len(refused) > 0 {
		drop := map[string]bool{}
		for d, err := range refused {
			drop[d] = true
			r.excluded = append(r.excluded, plan.Excluded{Domain: d, Reasons: []string{"spf: flattening refused, so nothing is written for this domain: " + err.Error()}})
		}
		ts = fleet.WithoutDomains(ts, drop)
	}
	opened, ok := r.openProviders(cfg, ts, share, fleet.ZoneDNS(cfg, f.resolver, f.nameservers))
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
	f.registerRead(fs)
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
	p := fleet.Read(r.stop.Hard(), cfg, ts, r.reading(f, cfg, opened, len(ts)))
	p.Excluded = r.excluded
	p.Rollouts = r.rolloutsOf(p)
	p.Flattened = r.flattenedOf(p)
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
		return r.stop.ExitCode()
	case len(p.Errors()) > 0:
		return r.excludedExit(p, ExitError)
	case *detailed && p.Counts().Total() > 0:
		return r.excludedExit(p, ExitChanges)
	}
	return r.excludedExit(p, ExitOK)
}

// rolloutsOf are the rollouts of the domains the plan covers.
func (r *run) rolloutsOf(p *plan.Plan) []rollout.Status {
	in := p.Covers()
	var out []rollout.Status
	for _, st := range r.rollouts {
		if in[st.Domain] {
			out = append(out, st)
		}
	}
	return out
}
