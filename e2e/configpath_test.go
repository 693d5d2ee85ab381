package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigDiscovery: -c wins; else MAILZONE_CONFIG; else mailzone.yaml in
// the current directory or the nearest parent, named on stderr when it is
// not ./mailzone.yaml.
func TestConfigDiscovery(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	sub := filepath.Join(dir, "zones")
	r := run(t, sub, nil, "plan")
	if r.code != 0 || !strings.Contains(r.stderr, "mailzone: using ../mailzone.yaml\n") || !strings.Contains(r.stdout, "Plan: ") {
		t.Errorf("plan from a subdirectory: %s", r)
	}
	r = run(t, dir, nil, "plan")
	if r.code != 0 || strings.Contains(r.stderr, "using") {
		t.Errorf("plan beside mailzone.yaml: %s", r)
	}
	other := filepath.Join(dir, "fleet.yaml")
	data, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	os.WriteFile(other, data, 0o644)
	r = run(t, sub, map[string]string{"MAILZONE_CONFIG": other}, "plan")
	if r.code != 0 || !strings.Contains(r.stderr, "mailzone: using "+other+" (MAILZONE_CONFIG)") {
		t.Errorf("MAILZONE_CONFIG: %s", r)
	}
	r = run(t, sub, map[string]string{"MAILZONE_CONFIG": other}, "plan", "-c", "../mailzone.yaml")
	if r.code != 0 || strings.Contains(r.stderr, "using") {
		t.Errorf("-c does not win: %s", r)
	}
	empty := t.TempDir()
	r = run(t, empty, nil, "plan")
	if r.code != 1 || !strings.Contains(r.stderr, "mailzone.yaml") {
		t.Errorf("no configuration anywhere: %s", r)
	}
}
