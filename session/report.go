package session

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/overview"
	"github.com/mailzone/mailzone/rollout"
)

// Report is `mailzone report`: the fleet overview as one HTML page
// (htmlOut, when not empty) and/or JSON on stdout (format "json").
func (r *Session) Report(f Fleet, vf Verifying, htmlOut, format string) int {
	r.evidence = f.Evidence
	cfg, ds, ok := r.selectDomains(f.Config, f.Domains)
	if !ok {
		return ExitError
	}
	obs := overview.Observations{SPFLookups: map[string]int{}, SPFNotes: map[string]string{}, DKIMStates: map[string]string{}, Rollouts: map[string]rollout.Status{}}
	for _, st := range r.rollouts {
		obs.Rollouts[st.Domain] = st
	}
	obs.Evidence, obs.EvidenceFrom = r.loadedEvidence, r.loadedEvidenceFrom
	if f.Offline {
		for _, d := range ds {
			obs.SPFNotes[d.Name] = "not checked (--offline)"
		}
	} else {
		ctx, cancel := context.WithTimeout(r.stop.Soft(), 2*time.Minute)
		defer cancel()
		res, err := r.resolver(cfg, f.Resolver)
		if err != nil {
			r.errorf("resolver: %v", err)
			return ExitError
		}
		for _, d := range ds {
			if d.SPF == nil || d.SPF.Absent || d.Parked {
				continue
			}
			if sr := lint.SPF(ctx, res, d.Name, d.SPF.Text); sr != nil {
				obs.SPFLookups[d.Name] = sr.Lookups
			}
		}
		sts, err := r.dkimStatuses(ctx, cfg, ds, vf, f.Resolver)
		if err != nil {
			r.errorf("DKIM states: %v", err)
		}
		for _, s := range sts {
			obs.DKIMStates[s.Domain+"/"+s.Selector] = s.State
		}
	}
	rep := overview.Build(cfg, ds, obs, r.now())
	if htmlOut != "" {
		var b bytes.Buffer
		if err := rep.WriteHTML(&b); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if err := configedit.WriteAtomic(htmlOut, b.Bytes()); err != nil {
			r.errorf("--html: %v", err)
			return ExitError
		}
		if format == "" {
			fmt.Fprintf(r.Env.Stdout, "Wrote the overview of %d domain(s) to %s.\n", len(rep.Domains), htmlOut)
		}
	}
	if format == "json" {
		if err := rep.WriteJSON(r.Env.Stdout); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
	}
	return ExitOK
}

// evidenceFile is the evidence path load used: --dmarc-evidence, else
// defaults.dmarc_evidence relative to the configuration.
func (r *Session) evidenceFile(dir, dflt string) string {
	if r.evidence != "" {
		return r.evidence
	}
	if dflt == "" || filepath.IsAbs(dflt) {
		return dflt
	}
	return filepath.Join(dir, dflt)
}

// firstNonEmpty returns the first of ss that is not empty.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
