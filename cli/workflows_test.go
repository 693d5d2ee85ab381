package cli

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

var workflows = []string{"../examples/github-actions/plan.yml", "../examples/github-actions/apply.yml", "../examples/github-actions/fleet.yml", "../examples/github-actions/dmarc-rollout.yml", "../examples/github-actions/drift.yml"}

// TestWorkflowsLint checks the example workflows with actionlint: syntax,
// expressions, action inputs, permissions and the rest of its rules.
func TestWorkflowsLint(t *testing.T) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range workflows {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.Lint(path, data, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, e := range errs {
			t.Errorf("%s:%d:%d: %s [%s]", filepath.Base(path), e.Line, e.Column, e.Message, e.Kind)
		}
	}
}

// TestWorkflowsUseRealFlags finds every mailzone command line in the example
// workflows' run: scripts and checks the command and each flag against the
// flag sets the command line builds.
func TestWorkflowsUseRealFlags(t *testing.T) {
	seen := 0
	for _, path := range workflows {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, script := range runScripts(t, data) {
			for _, cmd := range mailzoneCommands(script) {
				seen++
				name := cmd[0]
				known, ok := Flags(name)
				if !ok {
					t.Errorf("%s: mailzone %s: there is no such command", filepath.Base(path), name)
					continue
				}
				for _, arg := range cmd[1:] {
					if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
						continue
					}
					flag, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
					if !slices.Contains(known, flag) {
						t.Errorf("%s: mailzone %s: flag %s does not exist (the command has: %s)", filepath.Base(path), name, arg, strings.Join(known, ", "))
					}
				}
			}
		}
	}
	if seen < 2 {
		t.Errorf("found %d mailzone command lines in the workflows, want at least plan and apply", seen)
	}
}

func TestMailzoneCommands(t *testing.T) {
	got := mailzoneCommands("set +e\nmailzone plan -c x.yaml \\\n  --format markdown > plan.out\ngo run ./cmd/mailzone apply --yes && echo ok\ngo install github.com/mailzone/mailzone/cmd/mailzone@latest\n")
	want := [][]string{{"plan", "-c", "x.yaml", "--format", "markdown"}, {"apply", "--yes"}}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("got %q, want %q", got[i], want[i])
		}
	}
}

// runScripts returns the run: scripts of every step of every job.
func runScripts(t *testing.T, data []byte) []string {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			if s.Run != "" {
				out = append(out, s.Run)
			}
		}
	}
	return out
}

// mailzoneCommands finds the mailzone invocations in a shell script, as
// "mailzone CMD ARGS..." or "go run ./cmd/mailzone CMD ARGS...", and returns
// each as CMD and its arguments, up to a redirection or the end of the command.
func mailzoneCommands(script string) [][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		for _, seg := range splitShell(line) {
			words := strings.Fields(seg)
			switch {
			case len(words) >= 2 && words[0] == "mailzone":
				words = words[1:]
			case len(words) >= 4 && words[0] == "go" && words[1] == "run" && strings.HasSuffix(words[2], "cmd/mailzone"):
				words = words[3:]
			default:
				continue
			}
			var cmd []string
			for _, w := range words {
				if strings.HasPrefix(w, ">") || strings.HasPrefix(w, "<") || strings.HasPrefix(w, "2>") || w == "#" {
					break
				}
				cmd = append(cmd, strings.Trim(w, `"'`))
			}
			if len(cmd) > 1 && (cmd[0] == "dkim" || cmd[0] == "dmarc") {
				cmd = append([]string{cmd[0] + " " + cmd[1]}, cmd[2:]...)
			}
			out = append(out, cmd)
		}
	}
	return out
}

// splitShell cuts a line at the shell's command separators.
func splitShell(line string) []string {
	r := strings.NewReplacer("&&", "\n", "||", "\n", ";", "\n", "|", "\n", "$(", "\n", "`", "\n")
	return strings.Split(r.Replace(line), "\n")
}
