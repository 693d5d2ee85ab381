package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/plan"
)

// ownAnnotation is the only shape of workflow command mailzone prints.
var ownAnnotation = regexp.MustCompile(`^::(error|warning)( file=[^,:\r\n]*,line=\d+,col=\d+)?::[^\r\n]*\n?$`)

var serial = regexp.MustCompile(`\b20\d{8}\b`)

// TestHostileInput runs the hostile corpus of testdata/hostile through every
// command and sink and compares the exact bytes with the goldens: stdout and
// stderr as on a terminal and under GitHub Actions, the JSON plan, the
// markdown comment, the step summary, the saved plan and the zone file.
func TestHostileInput(t *testing.T) {
	src := filepath.Join("testdata", "hostile")
	cases, _ := filepath.Glob(filepath.Join(src, "*.yaml"))
	if len(cases) < 7 {
		t.Fatalf("only %d cases in %s", len(cases), src)
	}
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, src, dir)
			cfg := name + ".yaml"
			var out strings.Builder
			commands := [][]string{
				{"plan", "--offline", "-c", cfg},
				{"plan", "--offline", "-c", cfg, "--format", "json"},
				{"plan", "--offline", "-c", cfg, "--format", "markdown"},
				{"plan", "--offline", "-c", cfg, "--markdown", "comment.md", "-out", "plan.json"},
				{"lint", "--offline", "-c", cfg},
				{"verify", "-c", cfg, "--nameserver", "127.0.0.1:1", "--verify-timeout", "1s"},
				{"import", "-c", cfg, "--provider", "files", "contoso.com"},
				{"onboard", "-c", cfg, "fabrikam.com\n::error::pwned <!-- mailzone-plan -->", "--profile", "standard"},
				{"dkim", "rotate", "-c", cfg, "contoso.com", "--selector", "s``1\n::warning::pwned"},
				{"apply", "--offline", "--no-verify", "--yes", "-c", cfg},
			}
			for _, actions := range []bool{false, true} {
				for _, args := range commands {
					if actions && args[0] == "apply" {
						continue // the zone is already written
					}
					vars := map[string]string{}
					summary := filepath.Join(dir, "summary.md")
					if actions {
						vars["GITHUB_ACTIONS"] = "true"
						vars["GITHUB_STEP_SUMMARY"] = summary
					}
					os.Remove(summary)
					os.Remove(filepath.Join(dir, "comment.md"))
					os.Remove(filepath.Join(dir, "plan.json"))
					r := runRaw(t, dir, vars, args...)
					fmt.Fprintf(&out, "### mailzone %s (GITHUB_ACTIONS=%v)\nexit %d\n--- stdout\n%s--- stderr\n%s", quoteArgs(args), actions, r.code, r.stdout, r.stderr)
					checkStreams(t, args, actions, r)
					for _, f := range []string{"comment.md", "summary.md", "plan.json"} {
						data, err := os.ReadFile(filepath.Join(dir, f))
						if err != nil {
							continue
						}
						fmt.Fprintf(&out, "--- %s\n%s", f, data)
						checkFile(t, f, string(data))
					}
					if len(args) > 5 && args[5] == "json" && r.code == 0 {
						checkFile(t, "stdout.json", r.stdout)
					}
					if len(args) > 5 && args[5] == "markdown" && r.code == 0 {
						checkFile(t, "stdout.md", r.stdout)
					}
				}
			}
			zone, _ := os.ReadFile(filepath.Join(dir, "zones", "contoso.com.zone"))
			fmt.Fprintf(&out, "### zones/contoso.com.zone after apply\n%s", serial.ReplaceAllString(string(zone), "SERIAL"))
			got := strings.ReplaceAll(out.String(), dir, "$DIR")
			golden := filepath.Join(src, name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden file (run with -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (go test ./e2e -run TestHostileInput -update, then read the diff):\n%s", golden, got)
			}
		})
	}
}

// checkStreams checks what a run printed: under GitHub Actions no line but
// mailzone's own annotations is a workflow command, and on a terminal no
// control character but newline and tab is printed.
func checkStreams(t *testing.T, args []string, actions bool, r result) {
	t.Helper()
	for _, stream := range []string{r.stdout, r.stderr} {
		for _, line := range strings.SplitAfter(stream, "\n") {
			if actions && escape.CommandLine(line) && !ownAnnotation.MatchString(line) {
				t.Errorf("mailzone %v: a line the runner takes for a workflow command: %q", args, line)
			}
			if strings.ContainsAny(strings.TrimSuffix(line, "\n"), "\r\x1b\x00\u2028\u202e") {
				t.Errorf("mailzone %v: a control character printed raw: %q", args, line)
			}
		}
	}
}

// checkFile checks a written file for its sink: markdown has one marker and
// nothing live from values; JSON parses as a plan.
func checkFile(t *testing.T, name, data string) {
	t.Helper()
	switch {
	case strings.HasSuffix(name, ".md"):
		if n := strings.Count(data, plan.MarkdownMarker); n > 1 {
			t.Errorf("%s: the marker appears %d times", name, n)
		}
		live := escape.Live(strings.TrimPrefix(data, plan.MarkdownMarker))
		for _, bad := range []string{"![t](", "<img", "</details><", " @octocat", "\n::", "<!--"} {
			if strings.Contains(live, bad) {
				t.Errorf("%s: live markup from a value: %q", name, bad)
			}
		}
	case strings.HasSuffix(name, ".json"):
		var p plan.Plan
		if err := json.Unmarshal([]byte(data), &p); err != nil {
			t.Errorf("%s: not JSON: %v", name, err)
		}
	}
}

// quoteArgs shows a command line with its hostile arguments quoted.
func quoteArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, " \n\r`<>\"") {
			out[i] = fmt.Sprintf("%q", a)
		}
	}
	return strings.Join(out, " ")
}
