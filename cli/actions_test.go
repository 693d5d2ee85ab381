package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/plan"
)

// TestGitHubActions runs plan and apply as a workflow does: warnings become
// ::warning annotations, the plan is appended to the job summary as markdown,
// there are no colors even on a terminal, and apply never prompts.
func TestGitHubActions(t *testing.T) {
	cfg := quickstart(t)
	data, _ := os.ReadFile(cfg)
	// pct is accepted with a warning (removed by RFC 9989).
	withWarning := strings.Replace(string(data), "dmarc: {policy: reject, adkim: s, aspf: s}", "dmarc: {policy: reject, adkim: s, aspf: s, pct: 100}", 1)
	if withWarning == string(data) {
		t.Fatal("test data: quick start dmarc line changed")
	}
	os.WriteFile(cfg, []byte(withWarning), 0o644)
	summary := filepath.Join(t.TempDir(), "summary.md")
	os.WriteFile(summary, []byte("# earlier step\n"), 0o644)
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary, "TERMINAL": "1"}

	r := mz(t, vars, "", "plan", "-c", cfg, "--detailed-exitcode", "--offline")
	if r.code != 2 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "::warning file="+cfg+",line=33,col=") || !strings.Contains(r.stdout, "domains.northwind.example.dmarc.pct: ") {
		t.Errorf("no ::warning annotation:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colors under GitHub Actions")
	}
	got, _ := os.ReadFile(summary)
	s := string(got)
	if !strings.HasPrefix(s, "# earlier step\n"+plan.MarkdownMarker+"\n") {
		t.Fatalf("summary not appended after the earlier step:\n%s", s)
	}
	for _, want := range []string{"**Plan:** ", "#### acme-shop.example", "```diff", "**Warnings (1)**", "dmarc.pct"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}

	// A second step appends again.
	if r := mz(t, vars, "", "plan", "-c", cfg, "--format", "markdown", "--offline"); r.code != 0 || !strings.HasPrefix(r.stdout, "::warning ") ||
		!strings.Contains(r.stdout, "\n"+plan.MarkdownMarker+"\n") || strings.Contains(r.stdout, "Plan: ") {
		t.Fatalf("plan --format markdown: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got, _ = os.ReadFile(summary)
	if n := strings.Count(string(got), plan.MarkdownMarker); n != 2 {
		t.Errorf("summary holds %d plans, want 2", n)
	}

	// No prompt: apply without --yes refuses, even with a terminal.
	before := readZones(t, cfg)
	r = mz(t, vars, "yes\n", "apply", "-c", cfg, "--offline")
	if r.code != 1 || !strings.Contains(r.stdout, "::error::apply needs confirmation") || strings.Contains(r.stdout, "Apply these changes?") {
		t.Fatalf("apply under Actions: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !equalMaps(before, readZones(t, cfg)) {
		t.Fatal("apply without --yes changed zone files")
	}
}

// TestGitHubActionsErrors: configuration errors are ::error annotations with
// file, line and column, and nothing is written to the job summary.
func TestGitHubActionsErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte("version: 1\nproviders: {f: {type: zonefile, directory: .}}\ndomains:\n  a.example:\n    provider: f\n    spf: \"v=spf1 +all\"\n    dmarc: {policy: reject, ri: 3600}\n"), 0o644)
	summary := filepath.Join(dir, "summary.md")
	r := mz(t, map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}, "", "plan", "-c", cfg, "--format", "markdown", "--offline")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"::error file=" + cfg + ",line=6,col=10::domains.a.example.spf: ", "::warning file=" + cfg + ",line=7,col="} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(summary); err == nil {
		t.Error("a job summary was written for a configuration with errors")
	}
}

func TestFormatMarkdownLocally(t *testing.T) {
	cfg := quickstart(t)
	r := mz(t, nil, "", "plan", "-c", cfg, "--format", "markdown", "-d", "old-brand.example", "--offline")
	if r.code != 0 || !strings.HasPrefix(r.stdout, plan.MarkdownMarker+"\n") || !strings.Contains(r.stdout, "#### old-brand.example") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := mz(t, nil, "", "plan", "-c", cfg, "--format", "html"); r.code != 1 || !strings.Contains(r.stderr, "--format must be text, json or markdown") {
		t.Fatalf("bad format: exit %d %s", r.code, r.stderr)
	}
}
