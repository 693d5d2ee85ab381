package cli

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestHelpGolden: `mailzone CMD -h`, `--help` and `mailzone help CMD` print the
// command's synopsis, every flag with its default (from the flag set itself)
// and an example; the goldens are in testdata/help (go test ./cli -run
// TestHelpGolden -update rewrites them).
func TestHelpGolden(t *testing.T) {
	for _, cmd := range []string{"plan", "apply", "verify", "lint", "show", "import", "onboard", "dkim", "dkim status", "dkim ready", "dkim rotate", "dkim retire", "dkim export", "dmarc", "dmarc reports", "report", "mta-sts", "mta-sts export", "completion"} {
		args := append(strings.Fields(cmd), "-h")
		r := mz(t, nil, "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%s -h: exit %d\n%s", cmd, r.code, r.stderr)
		}
		if cmd != "dkim" && cmd != "dmarc" && cmd != "mta-sts" && (!strings.Contains(r.stdout, "Usage: mailzone "+cmd) || !strings.Contains(r.stdout, "Example:\n  mailzone ")) {
			t.Errorf("%s -h lacks the synopsis or example:\n%s", cmd, r.stdout)
		}
		for _, other := range [][]string{append(strings.Fields(cmd), "--help"), append([]string{"help"}, strings.Fields(cmd)...)} {
			if o := mz(t, nil, "", other...); o.stdout != r.stdout || o.code != 0 {
				t.Errorf("%v differs from %s -h", other, cmd)
			}
		}
		golden := filepath.Join("testdata", "help", strings.ReplaceAll(cmd, " ", "-")+".txt")
		if *update {
			os.WriteFile(golden, []byte(r.stdout), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("no golden (run with -update): %v", err)
		}
		if r.stdout != string(want) {
			t.Errorf("%s -h differs from %s:\n%s", cmd, golden, r.stdout)
		}
	}
}

// TestUsageGolden: the global usage (mailzone help, -h, or no command)
// names every command with what it does, made from the same docs as each
// command's help; golden in testdata/help/usage.txt.
func TestUsageGolden(t *testing.T) {
	r := mz(t, nil, "", "help")
	if r.code != 0 {
		t.Fatalf("help: exit %d", r.code)
	}
	for _, cmd := range commandNames {
		if cmd != "help" && !strings.Contains(r.stdout, "\n  "+cmd+" ") {
			t.Errorf("the usage does not name %s", cmd)
		}
	}
	if o := mz(t, nil, "", "--help"); o.stdout != r.stdout {
		t.Error("--help differs from help")
	}
	if o := mz(t, nil, ""); o.code != 1 || o.stderr != r.stdout {
		t.Errorf("no command: exit %d, stderr differs from help", o.code)
	}
	golden := filepath.Join("testdata", "help", "usage.txt")
	if *update {
		os.WriteFile(golden, []byte(r.stdout), 0o644)
	}
	if want, err := os.ReadFile(golden); err != nil || r.stdout != string(want) {
		t.Errorf("the usage differs from %s (%v):\n%s", golden, err, r.stdout)
	}
}

func TestSuggestions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"pln"}, `unknown command "pln" (did you mean plan?)`},
		{[]string{"aply"}, `(did you mean apply?)`},
		{[]string{"plan", "--fromat", "json"}, `flag provided but not defined: -fromat (did you mean --format?)`},
		{[]string{"apply", "--yess"}, `(did you mean --yes?)`},
		{[]string{"dkim", "staus"}, `unknown subcommand "staus" (did you mean status?)`},
	} {
		r := mz(t, nil, "", tt.args...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d\n%s", tt.args, r.code, r.stderr)
		}
	}
}
