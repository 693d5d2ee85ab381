package session

import (
	"bytes"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/schema"
)

// Reports is `mailzone dmarc reports`: it sums aggregate report files
// into the evidence plan --dmarc-evidence reads. since (0 for all) counts
// only reports whose period ended within that long before now; out, when
// not empty, also gets the summary as JSON.
func (r *Session) Reports(paths []string, since time.Duration, format, out string) int {
	var o aggregate.Options
	if since > 0 {
		o.Since = r.now().Add(-since)
	}
	files, err := aggregate.Files(paths)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	s := aggregate.Read(files, o)
	var js bytes.Buffer
	if err := s.WriteJSON(&js); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if out != "" {
		if err := configedit.WriteAtomic(out, js.Bytes()); err != nil {
			r.errorf("--out: %v", err)
			return ExitError
		}
	}
	if format == "json" {
		r.Env.Stdout.Write(js.Bytes())
	} else {
		s.WriteText(r.Env.Stdout)
		if out != "" {
			fmt.Fprintf(r.Env.Stdout, "The summary is in %s: mailzone plan --dmarc-evidence %s\n", out, out)
		}
	}
	if s.Reports == 0 && len(s.Refused) > 0 {
		r.errorf("no report could be read (%d file(s) refused)", len(s.Refused))
		return ExitError
	}
	return ExitOK
}

// decideRollouts sets the DMARC record each domain with a rollout
// publishes now (package rollout), reading the evidence gated stages need:
// --dmarc-evidence, else defaults.dmarc_evidence.
func (r *Session) decideRollouts(cfg *schema.Config) bool {
	var ev *aggregate.Summary
	path := r.evidenceFile(cfg.Dir, cfg.Defaults.DMARCEvidence)
	if path != "" {
		var err error
		if ev, err = aggregate.Load(path); err != nil {
			r.errorf("DMARC evidence: %v; nothing was changed", err)
			return false
		}
	}
	r.rollouts = rollout.Apply(cfg, r.now(), ev)
	r.loadedEvidence, r.loadedEvidenceFrom = ev, path
	return true
}
