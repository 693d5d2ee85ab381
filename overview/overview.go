// Package overview builds the fleet report an MSP mails to a customer or
// publishes as a CI artifact: per domain the MX, the SPF lookup count, the
// DKIM selectors and their state, the DMARC stage and its next step, the
// pass rates of the aggregate reports, and MTA-STS and TLS-RPT; with a
// count of domains per DMARC stage at the top. The data is one value
// (Report), rendered as JSON or as one self-contained HTML page.
package overview

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/schema"
)

// FormatVersion is the version of the report's JSON shape.
const FormatVersion = 1

// Report is the fleet overview.
type Report struct {
	FormatVersion int       `json:"format_version"`
	Generated     time.Time `json:"generated"`
	Config        string    `json:"config"`
	// Stages count the domains per DMARC step, strictest last.
	Stages []StageCount `json:"stages"`
	// Evidence says where the pass rates come from, when they do.
	Evidence string    `json:"evidence,omitempty"`
	Domains  []*Domain `json:"domains"`
}

// StageCount is how many domains publish one DMARC step.
type StageCount struct {
	// Stage is "p=none", "p=quarantine t=y", "p=reject", "held" or
	// "no DMARC".
	Stage   string `json:"stage"`
	Domains int    `json:"domains"`
}

// Domain is one domain's line of the overview.
type Domain struct {
	Name     string `json:"name"`
	Provider string `json:"provider"`
	Parked   bool   `json:"parked,omitempty"`
	// MX is the desired mail exchanger ("10 inbound.mailgate.example.net.").
	MX string `json:"mx,omitempty"`
	// SPF is the record; SPFLookups the DNS lookups its tree needs, nil
	// when not checked (SPFNote says why).
	SPF        string `json:"spf,omitempty"`
	SPFLookups *int   `json:"spf_lookups"`
	SPFNote    string `json:"spf_note,omitempty"`
	// DKIM are the selectors with their state.
	DKIM []Selector `json:"dkim"`
	// DMARC is the record published now; Rollout where its rollout stands.
	DMARC   string          `json:"dmarc,omitempty"`
	Step    string          `json:"step"`
	Rollout *rollout.Status `json:"rollout,omitempty"`
	// Evidence is the domain's aggregate-report summary, when given.
	Evidence *aggregate.Domain `json:"evidence,omitempty"`
	MTASTS   string            `json:"mta_sts,omitempty"`
	TLSRPT   string            `json:"tls_rpt,omitempty"`
}

// Selector is one DKIM selector's line.
type Selector struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Key   string `json:"key,omitempty"`
	State string `json:"state"`
}

// Observations are what was found out about the domains beyond the
// configuration: each optional.
type Observations struct {
	// SPFLookups per domain, and why a domain was not checked.
	SPFLookups map[string]int
	SPFNotes   map[string]string
	// DKIMStates per "domain/selector".
	DKIMStates map[string]string
	// Rollouts per domain.
	Rollouts map[string]rollout.Status
	// Evidence is the aggregate-report summary, and the file it came from.
	Evidence     *aggregate.Summary
	EvidenceFrom string
}

// Build makes the overview of the domains, as configured (with the DMARC
// record of each rollout's stage in force) and as observed.
func Build(cfg *schema.Config, ds []*schema.Domain, obs Observations, now time.Time) *Report {
	r := &Report{FormatVersion: FormatVersion, Generated: now.UTC(), Config: cfg.File, Stages: []StageCount{}, Domains: []*Domain{}, Evidence: obs.EvidenceFrom}
	counts := map[string]int{}
	for _, d := range ds {
		od := &Domain{Name: d.Name, Provider: d.Provider, Parked: d.Parked, DKIM: []Selector{}}
		if d.MX != nil {
			od.MX = strconv.Itoa(int(d.MX.Preference)) + " " + d.MX.Host
		}
		if d.SPF != nil && !d.SPF.Absent {
			od.SPF = d.SPF.Text
		}
		if n, ok := obs.SPFLookups[d.Name]; ok {
			od.SPFLookups = &n
		}
		od.SPFNote = obs.SPFNotes[d.Name]
		for _, s := range d.DKIM {
			sel := Selector{Name: s.Name, State: obs.DKIMStates[d.Name+"/"+s.Name]}
			switch s.Kind {
			case schema.KeySelector:
				sel.Kind, sel.Key = "key", keyText(s)
			case schema.CNAMESelector:
				sel.Kind, sel.Key = "cname", s.Target
			case schema.RevokedSelector, schema.WildcardRevoked:
				sel.Kind = "revoked"
			case schema.DeletedSelector:
				continue
			}
			if sel.State == "" {
				sel.State = "not checked"
			}
			od.DKIM = append(od.DKIM, sel)
		}
		if d.DMARC != nil && !d.DMARC.Absent {
			od.DMARC = d.DMARC.Text
		}
		if st, ok := obs.Rollouts[d.Name]; ok {
			od.Rollout = &st
		}
		od.Step = step(od)
		counts[od.Step]++
		if obs.Evidence != nil {
			od.Evidence = obs.Evidence.Domain(d.Name)
		}
		if d.MTASTS != nil && !d.MTASTS.Absent {
			od.MTASTS = d.MTASTS.Text
		}
		if d.TLSRPT != nil && !d.TLSRPT.Absent {
			od.TLSRPT = d.TLSRPT.Text
		}
		r.Domains = append(r.Domains, od)
	}
	for s, n := range counts {
		r.Stages = append(r.Stages, StageCount{Stage: s, Domains: n})
	}
	sort.Slice(r.Stages, func(i, j int) bool { return stageRank(r.Stages[i].Stage) < stageRank(r.Stages[j].Stage) })
	return r
}

// step names the DMARC step a domain publishes.
func step(d *Domain) string {
	switch {
	case d.Rollout != nil && d.Rollout.Held != "":
		return "held"
	case d.DMARC == "":
		return "no DMARC"
	}
	p, t := "", false
	for _, tag := range strings.Split(d.DMARC, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(tag), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "p":
			p = strings.TrimSpace(v)
		case "t":
			t = strings.EqualFold(strings.TrimSpace(v), "y")
		}
	}
	if t {
		return "p=" + p + " t=y"
	}
	return "p=" + p
}

// stageRank orders the steps from no protection to full.
func stageRank(s string) int {
	return map[string]int{"no DMARC": 0, "p=none": 1, "p=none t=y": 2, "held": 3, "p=quarantine t=y": 4, "p=quarantine": 5, "p=reject t=y": 6, "p=reject": 7}[s]
}

// keyText describes a key: "RSA 2048", "Ed25519".
func keyText(s schema.Selector) string {
	switch s.Algorithm {
	case "rsa":
		return "RSA " + strconv.Itoa(s.Bits)
	case "ed25519":
		return "Ed25519"
	}
	return s.Algorithm
}
