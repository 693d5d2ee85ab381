package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/fleet"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// verifyFlags control propagation checks.
type verifyFlags struct {
	timeout     time.Duration
	nameservers multi
	verbose     bool
}

func (f *verifyFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.timeout, "verify-timeout", 0, "how long to wait, for the whole run, for every nameserver to agree (default: the longest verify.timeout, then 5m)")
	fs.Var(&f.nameservers, "nameserver", "query this nameserver address (ip:port) instead of discovering the NS set (repeatable)")
	fs.BoolVar(&f.verbose, "v", false, "print the matrix of every zone, not only of the zones that did not verify")
}

// options builds verify options from flags, the domain's settings and defaults.
func (f *verifyFlags) options(cfg *schema.Config, d *schema.Domain, resolver string) verify.Options {
	o := verify.Options{Resolver: resolver}
	if o.Resolver == "" {
		o.Resolver = cfg.Defaults.Resolver
	}
	if d != nil {
		o.Nameservers, o.Timeout = d.Verify.Nameservers, d.Verify.Timeout
	}
	if len(f.nameservers) > 0 {
		o.Nameservers = f.nameservers
	}
	if f.timeout > 0 {
		o.Timeout = f.timeout
	}
	return o
}

// maxVerifyParallel bounds the zones verified at once. Verification waits on
// nameservers, not on the CPU, so up to this many zones are checked at the
// same time, under one deadline for the whole run; the per-address limiter
// (verify.Limiter) bounds what reaches each nameserver. Each zone in flight
// costs about 80 KB, so 1,024 keeps a 10,000-zone run under 200 MB.
const maxVerifyParallel = 1024

// verifyAll checks every zone concurrently under one deadline for the whole
// run, prints the matrix of each zone that did not verify (of every zone with
// -v, or when there are at most five), then one summary: how many zones
// verified, were stale, or could not be checked, and which. It reports
// whether every nameserver agreed everywhere; ok is false when a check could
// not run at all. An interruption ends the wait and shows what was seen.
func (r *run) verifyAll(cfg *schema.Config, checks []fleet.Check, vf verifyFlags, resolver string, parallel int, delegation bool) (verified, ok bool) {
	timeout := fleet.RunTimeout(vf.timeout, checks)
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(r.stop.Soft(), deadline.Add(5*time.Second))
	defer cancel()
	live := len(checks) == 1 && r.env.StderrTerminal
	outs := fleet.Verify(ctx, checks, fleet.VerifyOptions{
		Options: func(c fleet.Check) verify.Options {
			o := vf.options(cfg, c.Domain, resolver)
			switch {
			case live:
				o.Progress = func(p verify.Progress) { fmt.Fprintf(r.env.Stderr, "\r\x1b[Kverify %s: %s", c.Zone, p) }
			case len(checks) <= 5:
				// Not a terminal (CI logs): a quiet line every 10 seconds while
				// nameservers lag, so a long wait is never silent.
				var last time.Duration
				o.Progress = func(p verify.Progress) {
					if p.Elapsed-last >= 10*time.Second {
						last = p.Elapsed
						fmt.Fprintf(r.env.Stderr, "verify %s: %s\n", c.Zone, p)
					}
				}
			}
			return o
		},
		Deadline: deadline, Timeout: timeout,
		Parallel:   max(parallel, min(len(checks), maxVerifyParallel)),
		Progress:   r.newProgress("verify", len(checks)),
		Stopped:    r.stop.Stopped,
		Delegation: delegation,
	})
	if live {
		fmt.Fprint(r.env.Stderr, "\r\x1b[K")
	}
	verified, ok = true, true
	all := vf.verbose || len(checks) <= 5
	var good, stale, failed []string
	for i, c := range checks {
		res, err := outs[i].Result, outs[i].Err
		if err != nil && res != nil && r.stop.Stopped() {
			err = nil // interrupted: the matrix says what was seen
		}
		if err != nil {
			r.errorf("verify zone %s: %v", c.Zone, err)
			verified, ok = false, false
			failed = append(failed, c.Zone)
			if res == nil {
				if r.verified != nil {
					*r.verified = append(*r.verified, verifyJSON(c.Zone, nil, err, nil))
				}
				continue
			}
		}
		if r.verified != nil {
			var del fmt.Stringer
			if outs[i].Delegation != nil {
				del = outs[i].Delegation
			}
			*r.verified = append(*r.verified, verifyJSON(c.Zone, res, err, del))
		}
		var b bytes.Buffer
		switch {
		case !res.Verified || all:
			fmt.Fprintf(&b, "\nverify zone %s:\n", c.Zone)
			res.WriteMatrix(&b) // ends with the zone's summary
		}
		if outs[i].Delegation != nil && (all || !res.Verified) {
			fmt.Fprintf(&b, "delegation: %s\n", outs[i].Delegation)
		}
		r.env.Stdout.Write(b.Bytes())
		switch {
		case err != nil:
		case res.Verified:
			good = append(good, c.Zone)
		case res.ServedOther():
			verified = false
			stale = append(stale, c.Zone)
		default:
			verified = false
			failed = append(failed, c.Zone)
		}
	}
	if len(checks) > 1 || r.stop.Stopped() {
		fmt.Fprintf(r.env.Stdout, "\nverify: %d zone(s): %d verified, %d stale (a nameserver serves other records)%s, %d unreachable or not checked%s.\n",
			len(checks), len(good), len(stale), listed(stale), len(failed), listed(failed))
	}
	if r.stop.Stopped() {
		fmt.Fprintf(r.env.Stdout, "Verification was %s after %v; the matrices above show what every nameserver served until then.\n", r.stop.Why(), time.Since(deadline.Add(-timeout)).Round(100*time.Millisecond))
	}
	return verified, ok
}

// listed names up to 10 zones, in parentheses.
func listed(zones []string) string {
	if len(zones) == 0 {
		return ""
	}
	if len(zones) > 10 {
		return fmt.Sprintf(" (%s and %d more)", strings.Join(zones[:10], ", "), len(zones)-10)
	}
	return " (" + strings.Join(zones, ", ") + ")"
}

func (r *run) verify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	format := fs.String("format", "text", "output format: text or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("verify", err)
	}
	if len(pos) > 0 {
		return r.usageError("verify", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *format != "text" && *format != "json" {
		return r.usageError("verify", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	if *format == "json" {
		emit := r.jsonMode()
		docs := []jsonVerifyZone{}
		r.verified = &docs
		defer func() {
			emit(struct {
				FormatVersion int              `json:"format_version"`
				Zones         []jsonVerifyZone `json:"zones"`
			}{JSONVersion, docs})
		}()
	}
	r.evidence = f.evidence
	cfg := r.load(f.config)
	if cfg == nil {
		return ExitError
	}
	ts, err := fleet.Targets(cfg, f.domains)
	if err == nil {
		ts, err = f.fleet.inShard(ts)
	}
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	for d, err := range r.flattenSPF(cfg, ts, f.resolver, false) {
		fmt.Fprintf(r.env.Stderr, "mailzone: the SPF of %s is not verified: its flattened includes could not be resolved: %v\n", d, err)
	}
	checks := fleet.ChecksFromConfig(ts)
	r.providerNameservers(cfg, ts, checks)
	verified, ok := r.verifyAll(cfg, checks, vf, f.resolver, f.fleet.parallel, true)
	switch {
	case r.stop.Stopped():
		return r.stop.ExitCode()
	case !ok:
		return ExitError
	case !verified:
		return ExitChanges
	}
	return ExitOK
}

// providerNameservers asks each provider that can tell which nameservers it
// assigned to each zone. It is best effort: a provider that cannot be opened
// (credentials not set) is skipped, since verify itself needs no credentials.
func (r *run) providerNameservers(cfg *schema.Config, ts []*fleet.Target, checks []fleet.Check) {
	opened := map[string]providers.Provider{}
	for i, t := range ts {
		p, done := opened[t.Provider]
		if !done {
			pc := cfg.Provider(t.Provider)
			if pc != nil && len(pc.Unset) == 0 {
				p, _ = providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir})
			}
			opened[t.Provider] = p
		}
		if l, ok := p.(providers.NameserverLister); ok {
			checks[i].ProviderNS, _ = l.Nameservers(context.Background(), t.Zone)
		}
	}
}
