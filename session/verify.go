package session

import (
	"context"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/fleet"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// options builds verify options from flags, the domain's settings and defaults.
func (f Verifying) options(cfg *schema.Config, d *schema.Domain, resolver string) verify.Options {
	o := verify.Options{Resolver: resolver}
	if o.Resolver == "" {
		o.Resolver = cfg.Defaults.Resolver
	}
	if d != nil {
		o.Nameservers, o.Timeout = d.Verify.Nameservers, d.Verify.Timeout
	}
	if len(f.Nameservers) > 0 {
		o.Nameservers = f.Nameservers
	}
	if f.Timeout > 0 {
		o.Timeout = f.Timeout
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
func (r *Session) verifyAll(cfg *schema.Config, checks []fleet.Check, vf Verifying, resolver string, parallel int, delegation bool) (verified, ok bool) {
	timeout := fleet.RunTimeout(vf.Timeout, checks)
	deadline := time.Now().Add(timeout)
	ctx, cancel := context.WithDeadline(r.stop.Soft(), deadline.Add(5*time.Second))
	defer cancel()
	live := len(checks) == 1 && r.Env.StderrTerminal
	outs := fleet.Verify(ctx, checks, fleet.VerifyOptions{
		Options: func(c fleet.Check) verify.Options {
			o := vf.options(cfg, c.Domain, resolver)
			switch {
			case live:
				o.Progress = func(p verify.Progress) { fmt.Fprintf(r.Env.Stderr, "\r\x1b[Kverify %s: %s", c.Zone, p) }
			case len(checks) <= 5:
				// Not a terminal (CI logs): a quiet line every 10 seconds while
				// nameservers lag, so a long wait is never silent.
				var last time.Duration
				o.Progress = func(p verify.Progress) {
					if p.Elapsed-last >= 10*time.Second {
						last = p.Elapsed
						fmt.Fprintf(r.Env.Stderr, "verify %s: %s\n", c.Zone, p)
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
		fmt.Fprint(r.Env.Stderr, "\r\x1b[K")
	}
	stopped := r.stop.Stopped()
	t := fleet.WriteVerified(r.Env.Stdout, checks, outs, vf.Verbose || len(checks) <= 5, stopped)
	for _, err := range t.Errors {
		r.errorf("%v", err)
	}
	if r.verified != nil {
		*r.verified = append(*r.verified, fleet.Docs(checks, outs, stopped)...)
	}
	if len(checks) > 1 || stopped {
		t.WriteSummary(r.Env.Stdout, len(checks))
	}
	if stopped {
		fmt.Fprintf(r.Env.Stdout, "Verification was %s after %v; the matrices above show what every nameserver served until then.\n", r.stop.Why(), fleet.Elapsed(deadline, timeout))
	}
	return t.AllVerified(), len(t.Errors) == 0
}

// VerifyOptions are verify's options.
type VerifyOptions struct {
	Fleet
	Verifying
	// Format is text or json.
	Format string
}

// Verify checks that every authoritative nameserver serves the desired
// state, without writing.
func (r *Session) Verify(o VerifyOptions) int {
	f, vf := o.Fleet, o.Verifying
	if o.Format == "json" {
		emit := r.jsonMode()
		docs := []verify.ZoneDoc{}
		r.verified = &docs
		defer func() {
			emit(struct {
				FormatVersion int              `json:"format_version"`
				Zones         []verify.ZoneDoc `json:"zones"`
			}{JSONVersion, docs})
		}()
	}
	r.evidence = f.Evidence
	cfg := r.load(f.Config)
	if cfg == nil {
		return ExitError
	}
	ts, err := fleet.Targets(cfg, f.Domains)
	if err == nil {
		ts, err = fleet.InShard(ts, f.Shard)
	}
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	for d, err := range r.flattenSPF(cfg, ts, f.Resolver, false) {
		fmt.Fprintf(r.Env.Stderr, "mailzone: the SPF of %s is not verified: its flattened includes could not be resolved: %v\n", d, err)
	}
	checks := fleet.ChecksFromConfig(ts)
	r.providerNameservers(cfg, ts, checks)
	verified, ok := r.verifyAll(cfg, checks, vf, f.Resolver, f.Parallel, true)
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
func (r *Session) providerNameservers(cfg *schema.Config, ts []*fleet.Target, checks []fleet.Check) {
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
