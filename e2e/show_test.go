package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShowSavedPlan renders a saved plan as text, JSON and markdown without
// reading a zone: the zone files are gone when it runs.
func TestShowSavedPlan(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	p := run(t, dir, nil, "plan", "-out", "plan.json")
	if p.code != 0 {
		t.Fatalf("plan: %s", p)
	}
	os.RemoveAll(filepath.Join(dir, "zones"))
	r := run(t, dir, nil, "show", "plan.json")
	if r.code != 0 || !strings.HasPrefix(p.stdout, r.stdout) || !strings.Contains(r.stdout, "Plan: 7 to add, 4 to change, 0 to delete.") {
		t.Errorf("show text differs from the plan:\n%s\n--- plan\n%s", r, p.stdout)
	}
	saved, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	if r := run(t, dir, nil, "show", "plan.json", "--format", "json"); r.code != 0 || r.stdout != string(saved) {
		t.Errorf("show json differs from the saved plan: %s", r)
	}
	if r := run(t, dir, nil, "show", "plan.json", "--format", "markdown"); r.code != 0 || !strings.HasPrefix(r.stdout, "<!-- mailzone-plan -->\n") {
		t.Errorf("show markdown: %s", r)
	}
	if r := run(t, dir, nil, "show", "mailzone.yaml"); r.code != 1 || !strings.Contains(r.stderr, "not a mailzone plan") {
		t.Errorf("show of a non-plan: %s", r)
	}
}
