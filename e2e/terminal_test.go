package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestApplyWithoutTerminalNeedsYes runs apply with standard input from
// /dev/null, as cron, Jenkins and `ssh host mailzone apply </dev/null` do.
// /dev/null is a character device but not a terminal: apply must say that
// --yes is needed, not prompt and then cancel.
func TestApplyWithoutTerminalNeedsYes(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	before := tree(t, dir)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(binary, "apply", "--offline", "-c", "mailzone.yaml")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, baseEnv(dir), devnull
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("apply </dev/null: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if strings.Contains(out.String(), "Apply these changes?") {
		t.Errorf("apply prompted with /dev/null as standard input:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "--yes") {
		t.Errorf("stderr does not say --yes is needed:\n%s", errb.String())
	}
	if after := tree(t, dir); !equalTrees(before, after) {
		t.Error("apply </dev/null changed files")
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
