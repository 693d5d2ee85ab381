package session

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mailzone/mailzone/providers/zonefile"
)

// quickstart copies examples/quickstart to a temporary directory and returns
// the path of its configuration.
func quickstart(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "examples", "quickstart"))); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "mailzone.yaml")
}

// TestOperationsWithoutCommandLine drives plan, apply and show through
// their options alone, as the command line does after parsing flags: the
// exit codes, what is printed and what is written.
func TestOperationsWithoutCommandLine(t *testing.T) {
	cfg := quickstart(t)
	saved := filepath.Join(t.TempDir(), "plan.json")
	fleet := Fleet{Config: cfg, Parallel: DefaultParallel, Offline: true, Read: "dns"}
	steps := []struct {
		name     string
		vars     map[string]string
		op       func(s *Session) int
		code     int
		stdout   string
		stderr   string
		notInOut string
	}{
		{name: "plan with changes pending",
			op: func(s *Session) int {
				return s.Plan(PlanOptions{Fleet: fleet, Format: "text", Detailed: true, Out: saved})
			},
			code:   ExitChanges,
			stdout: "Saved the plan to " + saved},
		{name: "a JSON plan carries the fingerprints of what it read",
			op:       func(s *Session) int { return s.Plan(PlanOptions{Fleet: fleet, Format: "json"}) },
			stdout:   `"hash": "`,
			notInOut: `"hash": ""`},
		{name: "show the saved plan as markdown",
			op:     func(s *Session) int { return s.Show(saved, "markdown", false) },
			stdout: "to add"},
		{name: "show refuses an unknown format after reading the plan",
			op:     func(s *Session) int { return s.Show(saved, "yaml", false) },
			code:   ExitError,
			stderr: "--format must be text, json or markdown"},
		{name: "apply refuses two plan files",
			op: func(s *Session) int {
				return s.Apply(ApplyOptions{Fleet: fleet, Plans: []string{saved, saved}, Format: "text"})
			},
			code:   ExitError,
			stderr: "give at most one plan file, not 2"},
		{name: "apply without a terminal needs --yes",
			op:     func(s *Session) int { return s.Apply(ApplyOptions{Fleet: fleet, Format: "text"}) },
			code:   ExitError,
			stderr: "apply needs confirmation"},
		{name: "apply under GitHub Actions annotates and guards its lines",
			vars:     map[string]string{"GITHUB_ACTIONS": "true"},
			op:       func(s *Session) int { return s.Apply(ApplyOptions{Fleet: fleet, Format: "text"}) },
			code:     ExitError,
			stdout:   "::error::apply needs confirmation",
			notInOut: "Apply complete"},
		{name: "apply the saved plan",
			op: func(s *Session) int {
				return s.Apply(ApplyOptions{Fleet: Fleet{Parallel: 1}, Plans: []string{saved}, NoVerify: true, Format: "text"})
			},
			stdout: "Apply complete"},
		{name: "nothing left to do",
			op:     func(s *Session) int { return s.Plan(PlanOptions{Fleet: fleet, Format: "text", Detailed: true}) },
			stdout: "No changes"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			s := New(Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
				Getenv:    func(k string) string { return st.vars[k] },
				LookupEnv: func(k string) (string, bool) { v, ok := st.vars[k]; return v, ok }})
			code := st.op(s)
			s.Close()
			if code != st.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, st.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), st.stdout) {
				t.Errorf("stdout lacks %q:\n%s", st.stdout, out.String())
			}
			if !strings.Contains(errb.String(), st.stderr) {
				t.Errorf("stderr lacks %q:\n%s", st.stderr, errb.String())
			}
			if st.notInOut != "" && strings.Contains(out.String(), st.notInOut) {
				t.Errorf("stdout has %q:\n%s", st.notInOut, out.String())
			}
		})
	}
}
