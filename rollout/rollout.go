// Package rollout decides which stage of a DMARC rollout is in force: the
// first stage whose date is still ahead, unless a gated stage whose date has
// passed is held because the aggregate reports do not yet show enough mail
// passing. It is a pure function of the configuration, the time and the
// evidence, so a plan made "as of" a date (MAILZONE_NOW) shows exactly what
// the scheduled run on that date will publish.
package rollout

import (
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/schema"
)

// Status is where one domain's rollout stands.
type Status struct {
	Domain string `json:"domain"`
	// Stage is the 1-based stage in force, 0 when the final policy holds;
	// Stages is how many there are.
	Stage  int `json:"stage"`
	Stages int `json:"stages"`
	// Policy is the p= published now ("quarantine"); Record the whole
	// record.
	Policy  string `json:"policy"`
	Testing bool   `json:"testing,omitempty"`
	Record  string `json:"record"`
	// Until is the date the stage in force ends (zero once final).
	Until *time.Time `json:"until,omitempty"`
	// Next describes the step after it ("p=quarantine t=y").
	Next string `json:"next,omitempty"`
	// Held says why a gated stage is still in force after its date.
	Held string `json:"held,omitempty"`
	// Gated says the stage in force needs evidence before the next starts.
	Gated bool `json:"gated,omitempty"`
}

// Evidence is the aggregate-report summary gated stages read; nil when
// there is none.
type Evidence = aggregate.Summary

// Decide returns the status of a rollout at now, given the evidence
// (nil: none was given).
func Decide(domain string, r *schema.Rollout, now time.Time, ev *Evidence) Status {
	st := Status{Domain: domain, Stages: len(r.Stages)}
	for i, s := range r.Stages {
		next := describe(r.Final.Policy, r.Final.Testing)
		if i+1 < len(r.Stages) {
			next = describe(r.Stages[i+1].Policy, r.Stages[i+1].Testing)
		}
		if now.Before(s.Until) {
			until := s.Until
			st.Stage, st.Until, st.Next, st.Gated = i+1, &until, next, s.Require != nil
			return st.in(s.Policy, s.Testing, r.Final)
		}
		if s.Require != nil {
			if why := unmet(domain, s, ev); why != "" {
				until := s.Until
				st.Stage, st.Until, st.Next, st.Gated = i+1, &until, next, true
				st.Held = "held at " + describe(s.Policy, s.Testing) + ": " + why
				return st.in(s.Policy, s.Testing, r.Final)
			}
		}
	}
	return st.in(r.Final.Policy, r.Final.Testing, r.Final)
}

// in sets the record published at a policy: the final record with p and t
// of the stage, and sp and np no stricter than p (a stage moves the whole
// domain).
func (st Status) in(policy string, testing bool, final dmarc.Spec) Status {
	spec := final
	spec.Policy, spec.Testing = policy, testing
	if spec.SubdomainPolicy != "" && schema.Stricter(spec.SubdomainPolicy, policy) {
		spec.SubdomainPolicy = policy
	}
	if spec.NonexistentPolicy != "" && schema.Stricter(spec.NonexistentPolicy, policy) {
		spec.NonexistentPolicy = policy
	}
	st.Policy, st.Testing, st.Record = policy, testing, spec.Render()
	return st
}

// unmet says why the evidence does not meet a stage's requirement, or "".
func unmet(domain string, s schema.Stage, ev *Evidence) string {
	if ev == nil {
		return "no DMARC evidence was given (plan --dmarc-evidence FILE, or defaults.dmarc_evidence; write it with mailzone dmarc reports --out FILE)"
	}
	d := ev.Domain(domain)
	if d == nil || d.Messages == 0 {
		return "the evidence has no reports for " + domain
	}
	req := s.Require
	var parts []string
	if d.Messages < req.MinMessages {
		parts = append(parts, fmt.Sprintf("%s messages reported, %s required", aggregate.Count(d.Messages), aggregate.Count(req.MinMessages)))
	}
	if d.PassRate < req.PassRate {
		parts = append(parts, fmt.Sprintf("%s of %s messages pass, %s required", aggregate.Percent(d.PassRate), aggregate.Count(d.Messages), pct(req.PassRate)))
	}
	if len(parts) == 0 {
		return ""
	}
	if len(d.Failing) > 0 {
		f := d.Failing[0]
		parts = append(parts, fmt.Sprintf("%s fails SPF and DKIM for %s", f.IP, aggregate.Count(f.Messages)))
	}
	return strings.Join(parts, "; ")
}

// pct renders a required rate without a needless decimal ("98%").
func pct(rate float64) string {
	s := aggregate.Percent(rate)
	return strings.Replace(s, ".0%", "%", 1)
}

// describe names a policy step: "p=quarantine t=y".
func describe(policy string, testing bool) string {
	if testing {
		return "p=" + policy + " t=y"
	}
	return "p=" + policy
}

// Apply decides every domain's rollout and sets the DMARC record each
// publishes now. Domains sharing a profile share its DMARC field, so each
// rolled-out domain gets its own copy. It returns the statuses in
// configuration order.
func Apply(cfg *schema.Config, now time.Time, ev *Evidence) []Status {
	var out []Status
	for _, d := range cfg.Domains {
		if d.DMARC == nil || d.DMARC.Rollout == nil || d.DMARC.Absent {
			continue
		}
		st := Decide(d.Name, d.DMARC.Rollout, now, ev)
		f := *d.DMARC
		f.Text = st.Record
		d.DMARC = &f
		out = append(out, st)
	}
	return out
}
