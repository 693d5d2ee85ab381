package cli

import (
	"encoding/json"
	"flag"
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

// dkimReady is `mailzone dkim ready DOMAIN SELECTOR`: exit 0 only when the key
// is safe to sign with, which is when every authoritative address serves it
// and the zone's negative-caching time has passed since mailzone first saw it
// served everywhere. With --wait it polls the nameservers as verify does, then
// waits out that time; on timeout it exits 3 and names what is still stale.
// Without --wait a key not ready yet exits 2.
func (r *run) dkimReady(args []string) int {
	fs := flag.NewFlagSet("dkim ready", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	wait := fs.Bool("wait", false, "wait until the key is ready, or until --timeout")
	timeout := fs.Duration("timeout", 30*time.Minute, "how long --wait waits")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dkim ready", err)
	}
	if len(pos) != 2 {
		return r.usageError("dkim ready", fmt.Errorf("name a domain and a selector"))
	}
	if *format != "text" && *format != "json" {
		return r.usageError("dkim ready", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	domain, sel := strings.ToLower(strings.TrimSuffix(pos[0], ".")), strings.ToLower(pos[1])
	r.evidence = f.evidence
	cfg := r.load(f.config)
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
	deadline := r.now().Add(*timeout)
	o := vf.options(cfg, d, f.resolver)
	negTTL, nerr := verify.NegativeTTL(ctx, d.Zone, o)
	if nerr == nil && *format == "text" {
		fmt.Fprintf(r.env.Stdout, "Zone %s: SOA negative TTL %s (RFC 2308: the lesser of the SOA TTL and MINIMUM): resolvers may cache \"no such key\" that long.\n", d.Zone, negTTL)
	}
	status := func() (keystatus.Status, bool) {
		sts, err := r.dkimStatuses(ctx, cfg, []*schema.Domain{d}, vf, f.resolver)
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
	for *wait && st.State != "ready" && st.State != "retiring" && !r.stop.Stopped() {
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
			vo := o
			vo.Timeout = left
			var last time.Duration
			vo.Progress = func(p verify.Progress) {
				if p.Elapsed-last >= 10*time.Second || r.env.StderrTerminal {
					last = p.Elapsed
					fmt.Fprintf(r.env.Stderr, "dkim ready %s %s: %s\n", d.Name, sel, p)
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
				fmt.Fprintf(r.env.Stderr, "dkim ready %s %s: served everywhere; waiting %s until %s for cached NXDOMAIN answers to expire\n", d.Name, sel, pause.Round(time.Second), at.UTC().Format(time.RFC3339))
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
	if *format == "json" {
		out := struct {
			keystatus.Status
			NegativeTTL int `json:"negative_ttl_seconds"`
		}{st, int(negTTL / time.Second)}
		data, _ := json.MarshalIndent(out, "", "  ")
		r.env.Stdout.Write(append(data, '\n'))
	} else {
		keystatus.WriteText(r.env.Stdout, []keystatus.Status{st})
	}
	switch {
	case r.stop.Stopped():
		return r.stop.ExitCode()
	case st.State == "ready" || st.State == "retiring":
		if *format == "text" {
			fmt.Fprintf(r.env.Stdout, "Selector %s of %s is ready: sign with it.\n", sel, d.Name)
		}
		return ExitOK
	case *wait:
		r.errorf("selector %s of %s is not ready after %s: %s", sel, d.Name, *timeout, strings.Join(st.Reasons, "; "))
		return ExitUnverified
	}
	if *format == "text" {
		fmt.Fprintf(r.env.Stdout, "Selector %s of %s is %s, not ready yet (exit 2); --wait waits for it.\n", sel, d.Name, st.State)
	}
	return ExitChanges
}

// newKeysReady says, after apply verified its writes, when each DKIM key it
// published becomes safe to sign with, and records that it is served
// everywhere from now (see keystatus.ServedFile).
func (r *run) newKeysReady(cfg *schema.Config, work []*plan.Zone, vf verifyFlags, resolver string) {
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
			fmt.Fprintf(r.env.Stdout, "DKIM %s of %s is served everywhere; safe to sign with from %s (mailzone dkim ready %s %s --wait).\n", st.Selector, st.Domain, st.ReadyAt, st.Domain, st.Selector)
		case "pending":
			if st.Kind != "revoked" {
				fmt.Fprintf(r.env.Stdout, "DKIM %s of %s is not usable yet: %s.\n", st.Selector, st.Domain, strings.Join(st.Reasons, "; "))
			}
		}
	}
}
