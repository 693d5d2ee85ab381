package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/overview"
	"github.com/mailzone/mailzone/rollout"
)

// reportCmd is `mailzone report`: the fleet overview as one HTML page and/or
// JSON.
func (r *run) reportCmd(args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	htmlOut := fs.String("html", "", "write the overview to this file as one self-contained HTML page")
	format := fs.String("format", "", "json: print the overview's data as JSON on stdout")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("report", err)
	}
	if len(pos) > 0 {
		return r.usageError("report", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *format != "" && *format != "json" {
		return r.usageError("report", fmt.Errorf("--format must be json, not %q", *format))
	}
	if *htmlOut == "" && *format == "" {
		return r.usageError("report", fmt.Errorf("give --html FILE, --format json, or both"))
	}
	r.evidence = f.evidence
	cfg, ds, ok := r.selectDomains(f.config, f.domains)
	if !ok {
		return ExitError
	}
	obs := overview.Observations{SPFLookups: map[string]int{}, SPFNotes: map[string]string{}, DKIMStates: map[string]string{}, Rollouts: map[string]rollout.Status{}}
	for _, st := range r.rollouts {
		obs.Rollouts[st.Domain] = st
	}
	obs.Evidence, obs.EvidenceFrom = r.loadedEvidence, r.loadedEvidenceFrom
	if f.offline {
		for _, d := range ds {
			obs.SPFNotes[d.Name] = "not checked (--offline)"
		}
	} else {
		ctx, cancel := context.WithTimeout(r.stop.Soft(), 2*time.Minute)
		defer cancel()
		res, err := r.resolver(cfg, f.resolver)
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
		sts, err := r.dkimStatuses(ctx, cfg, ds, vf, f.resolver)
		if err != nil {
			r.errorf("DKIM states: %v", err)
		}
		for _, s := range sts {
			obs.DKIMStates[s.Domain+"/"+s.Selector] = s.State
		}
	}
	rep := overview.Build(cfg, ds, obs, r.now())
	if *htmlOut != "" {
		var b bytes.Buffer
		if err := rep.WriteHTML(&b); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if err := configedit.WriteAtomic(*htmlOut, b.Bytes()); err != nil {
			r.errorf("--html: %v", err)
			return ExitError
		}
		if *format == "" {
			fmt.Fprintf(r.env.Stdout, "Wrote the overview of %d domain(s) to %s.\n", len(rep.Domains), *htmlOut)
		}
	}
	if *format == "json" {
		if err := rep.WriteJSON(r.env.Stdout); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
	}
	return ExitOK
}

// evidenceFile is the evidence path load used: --dmarc-evidence, else
// defaults.dmarc_evidence relative to the configuration.
func (r *run) evidenceFile(dir, dflt string) string {
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
