// Package e2e holds the reliability tests of mailzone: they run the real binary
// (built once per test binary by TestMain) or the command line in-process against
// the provider fakes, real BIND 9 servers and zone files, and try hard to break
// it: injected provider faults, SIGKILL mid-apply, randomized zones and desired
// states, a corpus of broken input, sentinel secrets, and concurrent applies.
//
// The whole package runs in about two minutes on two cores. Longer
// runs are opt-in:
//
//	MAILZONE_LONG=1 go test ./e2e            # more kills, more property iterations
//	MAILZONE_KILLS=100 MAILZONE_SEED=42 ...  # exact kill count and seed
//	MAILZONE_PROP_ITERS=200 ...              # property iterations per provider
package e2e

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/cli"
)

// binary is the mailzone executable built for this test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailzone-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mailzone")
	build := exec.Command("go", "build", "-o", binary, "github.com/mailzone/mailzone/cmd/mailzone")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building mailzone:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// long reports whether the long variants were asked for.
func long() bool { return os.Getenv("MAILZONE_LONG") == "1" }

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// baseEnv is the environment of every binary run: nothing of the test's own
// environment leaks in but PATH, and AWS looks at no real configuration.
func baseEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "NO_COLOR=1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// quiet adds the flags that keep plan and apply off the network beyond the
// provider: no lint lookups through the machine's resolver, no verification
// of nameservers the fakes do not have. Tests of those run the commands raw.
func quiet(args []string) []string {
	if len(args) == 0 {
		return args
	}
	switch args[0] {
	case "plan":
		return append([]string{"plan", "--offline"}, args[1:]...)
	case "apply":
		return append([]string{"apply", "--offline", "--no-verify"}, args[1:]...)
	}
	return args
}

// command prepares the binary with args in dir, with vars added to baseEnv.
func command(t *testing.T, dir string, vars map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, quiet(args)...)
	cmd.Dir = dir
	cmd.Env = baseEnv(dir)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// run runs the binary to completion.
func run(t *testing.T, dir string, vars map[string]string, args ...string) result {
	t.Helper()
	cmd := command(t, dir, vars, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	if os.Getenv("MZ_TIME") != "" {
		t.Logf("%v: %v", args[:min(len(args), 2)], time.Since(start))
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run mailzone %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

// mz runs the command line in-process, with vars as the whole environment.
func mz(vars map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	env := cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv:    func(k string) string { return vars[k] },
		LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}
	code := cli.Main(quiet(args), env)
	return result{code, out.String(), errb.String()}
}

// copyTree copies the directory src to dst, keeping symbolic links as links.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, _ := d.Info()
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tree reads every regular file under dir, by relative path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
