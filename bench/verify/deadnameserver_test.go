package verifybench

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeadNameserver measures verification at fleet scale when a nameserver
// never answers: `mailzone apply --yes --verify-timeout 30s` over 1,000 zone
// files whose only (explicit) nameserver reads every query and answers none.
// The goal is one deadline for the whole run: the run ends within 35 s, with
// exit 3 and one summary. A measurement, not a test:
//
//	VERIFY_BENCH=1 go test ./bench/verify -run TestDeadNameserver -v -count=1
func TestDeadNameserver(t *testing.T) {
	if os.Getenv("VERIFY_BENCH") == "" {
		t.Skip("a measurement: set VERIFY_BENCH=1 to run")
	}
	const domains = 1000
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailzone")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mailzone/mailzone/cmd/mailzone").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fleet := filepath.Join(dir, "fleet")
	if out, err := exec.Command("go", "run", "github.com/mailzone/mailzone/bench/gen", "-n", fmt.Sprint(domains), "-dir", fleet, "-state", "changes").CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	// A nameserver that never answers, over UDP or TCP.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err == nil {
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
	}
	cmd := exec.Command(bin, "apply", "--offline", "--yes", "--nameserver", pc.LocalAddr().String(), "--verify-timeout", "30s")
	cmd.Dir = fleet
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "NO_COLOR=1"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	summary := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "verify: ") {
			summary = l
		}
	}
	fmt.Printf("dead nameserver: %d zones, --verify-timeout 30s: wall %v, exit %d (goal: within 35s, exit 3)\n%s\n", domains, wall.Round(10*time.Millisecond), code, summary)
	if code != 3 {
		t.Logf("stderr:\n%s", errb.String())
	}
}
