package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBashCompletion loads `mailzone completion bash` into a real bash and
// completes as a user's TAB would: commands, flags, domain names from the
// configuration after -d, provider and profile names.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	complete := func(words ...string) string {
		t.Helper()
		script := `source <(mailzone completion bash) || exit 9
COMP_WORDS=(` + quoteWords(words) + `)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_mailzone
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", script)
		cmd.Dir = filepath.Join(dir, "zones") // the configuration is found in the parent
		cmd.Env = append(baseEnv(dir), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tt := range []struct {
		words []string
		want  string
	}{
		{[]string{"mailzone", "pl"}, "plan"},
		{[]string{"mailzone", "plan", "-d", ""}, "acme-shop.example\nnorthwind.example\nold-brand.example"},
		{[]string{"mailzone", "apply", "-d", "nor"}, "northwind.example"},
		{[]string{"mailzone", "plan", "--det"}, "--detailed-exitcode"},
		{[]string{"mailzone", "dkim", "st"}, "status"},
		{[]string{"mailzone", "dkim", "rotate", "--du"}, "--due"},
		{[]string{"mailzone", "onboard", "new.example", "--provider", ""}, "files"},
		{[]string{"mailzone", "onboard", "new.example", "--profile", "st"}, "standard"},
	} {
		if got := complete(tt.words...); got != tt.want {
			t.Errorf("%v<TAB>: %q, want %q", tt.words, got, tt.want)
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		if r := runRaw(t, dir, nil, "completion", shell); r.code != 0 || !strings.Contains(r.stdout, "mailzone __complete") {
			t.Errorf("completion %s: %s", shell, r)
		}
	}
}

func quoteWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
