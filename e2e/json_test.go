package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	tmpPath        = regexp.MustCompile(`/tmp/[^"\s]*?/0\d\d/`)
	delegationLine = regexp.MustCompile(`(?m)^ *"delegation": .*\n`)
)

// TestJSONGolden pins the JSON documents of lint, import, apply and verify
// (docs/json.md): each is one document on stdout with format_version 1, and
// the goldens hold the exact bytes (go test ./e2e -run TestJSONGolden
// -update). Everything meant for people goes to stderr.
func TestJSONGolden(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	data, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	// A warning for lint to report: pct was removed by RFC 9989.
	os.WriteFile(filepath.Join(dir, "mailzone.yaml"), []byte(strings.Replace(string(data), "dmarc: {policy: reject, adkim: s, aspf: s}", "dmarc: {policy: reject, adkim: s, aspf: s, pct: 100}", 1)), 0o644)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"lint", []string{"lint", "--offline", "--format", "json"}, 0},
		{"import", []string{"import", "--provider", "files", "--format", "json", "northwind.example"}, 0},
		{"apply", []string{"apply", "--offline", "--yes", "--no-verify", "--format", "json", "-d", "acme-shop.example"}, 0},
		{"verify", []string{"verify", "--format", "json", "--nameserver", "127.0.0.1:1", "--verify-timeout", "1s", "-d", "old-brand.example"}, 2},
	}
	for _, c := range cases {
		r := runRaw(t, dir, map[string]string{"MAILZONE_NOW": "2026-12-01T09:00:00Z"}, c.args...)
		if r.code != c.code {
			t.Errorf("%s: exit %d, want %d\n%s", c.name, r.code, c.code, r)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Errorf("%s: stdout is not one JSON document: %v\n%s", c.name, err, r.stdout)
			continue
		}
		if doc["format_version"] != float64(1) {
			t.Errorf("%s: format_version %v", c.name, doc["format_version"])
		}
		// The delegation report depends on the machine's resolver.
		got := delegationLine.ReplaceAllString(tmpPath.ReplaceAllString(r.stdout, "$$DIR/"), "")
		golden := filepath.Join("testdata", "json", c.name+".json")
		if *update {
			os.WriteFile(golden, []byte(got), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("no golden (run with -update): %v", err)
		}
		if got != string(want) {
			t.Errorf("%s --format json differs from %s:\n%s", c.name, golden, got)
		}
	}
}
