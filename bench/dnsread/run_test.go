package dnsread

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchSize is DNSREAD_N, else 1,000 zones; the bench is skipped unless
// DNSREAD_BENCH is set.
func benchSize(t *testing.T) int {
	if os.Getenv("DNSREAD_BENCH") == "" {
		t.Skip("a measurement: set DNSREAD_BENCH=1 to run")
	}
	if v, err := strconv.Atoi(os.Getenv("DNSREAD_N")); err == nil && v > 0 {
		return v
	}
	return 1000
}

// binary builds mailzone into dir.
func binary(t *testing.T, dir string) string {
	bin := filepath.Join(dir, "mailzone")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mailzone/mailzone/cmd/mailzone").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// run is one run of the binary.
type run struct {
	code int
	out  []byte
	took time.Duration
	rss  int64 // peak RSS, KiB
}

// mz runs the binary with env, failing the test on an exit code other
// than 0 and 2.
func mz(t *testing.T, bin string, env []string, args ...string) run {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := run{out: out.Bytes(), took: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rss = ru.Maxrss
	}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if r.code != 0 && r.code != 2 {
		t.Fatalf("mailzone %v: exit %d\n%s", args[:2], r.code, errb.String())
	}
	return r
}

// planArgs is a JSON plan of config, with DNSREAD_PARALLEL as --parallel.
func planArgs(config string) []string {
	args := []string{"plan", "--offline", "--detailed-exitcode", "--format", "json", "-c", config}
	if p := os.Getenv("DNSREAD_PARALLEL"); p != "" {
		args = append(args, "--parallel", p)
	}
	return args
}

// readWays counts a JSON plan's zones by how they were read ("dns", "api",
// "" for listed only), and the zones with changes.
func readWays(t *testing.T, out []byte) (via map[string]int, changed int) {
	var p struct {
		Zones []struct {
			ReadVia string            `json:"read_via"`
			Changes []json.RawMessage `json:"changes"`
		} `json:"zones"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	via = map[string]int{}
	for _, z := range p.Zones {
		via[z.ReadVia]++
		if len(z.Changes) > 0 {
			changed++
		}
	}
	return via, changed
}
