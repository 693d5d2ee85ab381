package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// ReadyOptions are dkim ready's options.
type ReadyOptions struct {
	Fleet
	Verifying
	// Domain and Selector name the key.
	Domain, Selector string
	// Wait waits until the key is ready, or until Timeout.
	Wait    bool
	Timeout time.Duration
	// Format is text or json.
	Format string
}

// Ready is `mailzone dkim ready DOMAIN SELECTOR`: exit 0 only when the key
// is safe to sign with, which is when every authoritative address serves it
// and the zone's negative-caching time has passed since mailzone first saw it
// served everywhere. With --wait it polls the nameservers as verify does, then
// waits out that time; on timeout it exits 3 and names what is still stale.
// Without --wait a key not ready yet exits 2.
func (r *Session) Ready(o ReadyOptions) int {
	f, vf := o.Fleet, o.Verifying
	domain, sel := strings.ToLower(strings.TrimSuffix(o.Domain, ".")), strings.ToLower(o.Selector)
	r.evidence = f.Evidence
	cfg := r.load(f.Config)
	if cfg == nil {
		return ExitError
	}
	d := cfg.Domain(domain)
	if d == nil {
		r.errorf("domain %s is not in %s", escape.Short(domain), cfg.File)
		return ExitError
	}
	var decl *schema.Selector
	for i := range d.DKIM {
		if d.DKIM[i].Name == sel {
			decl = &d.DKIM[i]
		}
	}
	if decl == nil || (decl.Kind != schema.KeySelector && decl.Kind != schema.CNAMESelector) {
		r.errorf("domain %s declares no key at selector %s", domain, escape.Short(sel))
		return ExitError
	}
	ctx := r.stop.Soft()
	deadline := r.now().Add(o.Timeout)
	vopts := vf.options(cfg, d, f.Resolver)
	negTTL, nerr := verify.NegativeTTL(ctx, d.Zone, vopts)
	if nerr == nil && o.Format == "text" {
		fmt.Fprintf(r.Env.Stdout, "Zone %s: SOA negative TTL %s (RFC 2308: the lesser of the SOA TTL and MINIMUM): resolvers may cache \"no such key\" that long.\n", d.Zone, negTTL)
	}
	status := func() (keystatus.Status, bool) {
		sts, err := r.dkimStatuses(ctx, cfg, []*schema.Domain{d}, vf, f.Resolver)
		if err != nil {
			r.errorf("%v", err)
			return keystatus.Status{}, false
		}
		for _, s := range sts {
			if s.Selector == sel {
				return s, true
			}
		}
		return keystatus.Status{}, false
	}
	st, ok := status()
	if !ok {
		return ExitError
	}
	for o.Wait && st.State != "ready" && st.State != "retiring" && !r.stop.Stopped() {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		switch st.State {
		case "pending":
			name := sel + "._domainkey." + d.Name + "."
			set := rrset.New(".", name, "TXT", d.TTL, decl.Text)
			if decl.Kind == schema.CNAMESelector {
				set = rrset.New(".", name, "CNAME", d.TTL, decl.Target)
			}
			vo := vopts
			vo.Timeout = left
			var last time.Duration
			vo.Progress = func(p verify.Progress) {
				if p.Elapsed-last >= 10*time.Second || r.Env.StderrTerminal {
					last = p.Elapsed
					fmt.Fprintf(r.Env.Stderr, "dkim ready %s %s: %s\n", d.Name, sel, p)
				}
			}
			res, err := verify.Verify(ctx, d.Zone, []verify.Record{{Field: "dkim." + sel, Set: set}}, vo)
			if err != nil && res == nil {
				r.errorf("%v", err)
				return ExitError
			}
			if !res.Verified {
				deadline = time.Now() // out of time
			}
		case "propagating":
			at, _ := time.Parse(time.RFC3339, st.ReadyAt)
			pause := min(time.Until(at), left)
			if pause > 0 {
				fmt.Fprintf(r.Env.Stderr, "dkim ready %s %s: served everywhere; waiting %s until %s for cached NXDOMAIN answers to expire\n", d.Name, sel, pause.Round(time.Second), at.UTC().Format(time.RFC3339))
				select {
				case <-time.After(pause):
				case <-ctx.Done():
				}
			}
		}
		if st, ok = status(); !ok {
			return ExitError
		}
	}
	if o.Format == "json" {
		out := struct {
			keystatus.Status
			NegativeTTL int `json:"negative_ttl_seconds"`
		}{st, int(negTTL / time.Second)}
		data, _ := json.MarshalIndent(out, "", "  ")
		r.Env.Stdout.Write(append(data, '\n'))
	} else {
		keystatus.WriteText(r.Env.Stdout, []keystatus.Status{st})
	}
	switch {
	case r.stop.Stopped():
		return r.stop.ExitCode()
	case st.State == "ready" || st.State == "retiring":
		if o.Format == "text" {
			fmt.Fprintf(r.Env.Stdout, "Selector %s of %s is ready: sign with it.\n", sel, d.Name)
		}
		return ExitOK
	case o.Wait:
		r.errorf("selector %s of %s is not ready after %s: %s", sel, d.Name, o.Timeout, strings.Join(st.Reasons, "; "))
		return ExitUnverified
	}
	if o.Format == "text" {
		fmt.Fprintf(r.Env.Stdout, "Selector %s of %s is %s, not ready yet (exit 2); --wait waits for it.\n", sel, d.Name, st.State)
	}
	return ExitChanges
}

// newKeysReady says, after apply verified its writes, when each DKIM key it
// published becomes safe to sign with, and records that it is served
// everywhere from now (see keystatus.ServedFile).
func (r *Session) newKeysReady(cfg *schema.Config, work []*plan.Zone, vf Verifying, resolver string) {
	var ds []*schema.Domain
	seen := map[string]bool{}
	for _, z := range work {
		for _, ch := range z.Changes {
			if strings.HasPrefix(ch.Field, "dkim.") && ch.Action != rrset.Delete && !seen[ch.Domain] {
				if d := cfg.Domain(ch.Domain); d != nil {
					seen[ch.Domain] = true
					ds = append(ds, d)
				}
			}
		}
	}
	if len(ds) == 0 {
		return
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, ds, vf, resolver)
	if err != nil {
		return
	}
	for _, st := range sts {
		switch st.State {
		case "propagating":
			fmt.Fprintf(r.Env.Stdout, "DKIM %s of %s is served everywhere; safe to sign with from %s (mailzone dkim ready %s %s --wait).\n", st.Selector, st.Domain, st.ReadyAt, st.Domain, st.Selector)
		case "pending":
			if st.Kind != "revoked" {
				fmt.Fprintf(r.Env.Stdout, "DKIM %s of %s is not usable yet: %s.\n", st.Selector, st.Domain, strings.Join(st.Reasons, "; "))
			}
		}
	}
}
