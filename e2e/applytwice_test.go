package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestApplySavedPlanTwice: a saved plan applied a second time is in effect
// already; apply says so, writes nothing and exits 0. A zone changed by
// someone else since is still stale.
func TestApplySavedPlanTwice(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	if r := run(t, dir, nil, "plan", "-out", "plan.json"); r.code != 0 {
		t.Fatalf("plan: %s", r)
	}
	if r := run(t, dir, nil, "apply", "plan.json"); r.code != 0 || !strings.Contains(r.stdout, "Apply complete") {
		t.Fatalf("first apply: %s", r)
	}
	applied := tree(t, dir)
	r := run(t, dir, nil, "apply", "plan.json")
	if r.code != 0 || !strings.Contains(r.stdout, "The plan is already in effect: every zone holds what it asks for. Nothing was written.") ||
		strings.Contains(r.stderr, "changed since the plan") {
		t.Fatalf("second apply: %s", r)
	}
	if !equalTrees(applied, tree(t, dir)) {
		t.Error("the second apply wrote files")
	}
	// An unmanaged edit beside a managed record: stale, not in effect.
	zone := filepath.Join(dir, "zones", "acme-shop.example.zone")
	writeFile(t, zone, applied[filepath.Join("zones", "acme-shop.example.zone")]+"@ 3600 IN TXT \"ms=ms48151623\"\n")
	r = run(t, dir, nil, "apply", "plan.json")
	if r.code != 1 || !strings.Contains(r.stderr, "changed since the plan was made") {
		t.Fatalf("apply after a foreign edit: %s", r)
	}
}
