package session

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/schema"
)

// commentLimit keeps a markdown plan under GitHub's 65536-character comment limit.
const commentLimit = 60000

// summaryLimit keeps a plan under GitHub's 1 MiB job summary limit.
const summaryLimit = 1000000

// markdown renders the plan as a pull request comment: what was not planned
// and why first, then the plan, with the configuration's and lint's warnings
// below it.
func (r *Session) markdown(w io.Writer, p *plan.Plan, cfg *schema.Config, full bool, limit int) error {
	// Lint errors are in the plan's exclusions, shown first as errors.
	var warnings []string
	for _, f := range r.findings {
		if f.Severity == lint.Warning {
			warnings = append(warnings, fmt.Sprintf("%s: warning: %s %s: %s", f.Pos, f.Domain, f.Field, f.Msg))
		}
	}
	if cfg != nil {
		for _, d := range cfg.Warnings {
			warnings = append(warnings, d.String())
		}
	}
	return plan.Markdown(w, p, plan.MarkdownOptions{Warnings: warnings, Full: full, Limit: limit})
}

// stepSummary appends the plan as markdown to the file $GITHUB_STEP_SUMMARY names,
// when running under GitHub Actions; the job's summary page then shows it.
// Earlier steps' summaries in the file are kept.
func (r *Session) stepSummary(p *plan.Plan, cfg *schema.Config) {
	if !r.Env.Actions() {
		return
	}
	path := r.Env.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	var b bytes.Buffer
	if err := r.markdown(&b, p, cfg, false, summaryLimit); err != nil {
		r.errorf("step summary: %v", err)
		return
	}
	b.WriteString("\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		r.errorf("step summary: %v", err)
		return
	}
	// Scrub like every other output: the file is published with the run.
	_, err = escape.Redactor{W: f, Secrets: r.secrets}.Write(b.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.errorf("step summary: %v", fmt.Errorf("%s: %w", path, err))
	}
}
