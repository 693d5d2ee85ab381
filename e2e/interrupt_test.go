package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
)

// lockedBuffer is an output stream a test reads while the binary writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWatched starts the binary and returns its streams, which the test
// may read while it runs, and a function that waits for its exit code. The
// process is killed when the test ends.
func startWatched(t *testing.T, cmd *exec.Cmd) (stdout, stderr *lockedBuffer, wait func() int) {
	t.Helper()
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	done := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		done <- code
	}()
	return stdout, stderr, func() int {
		select {
		case c := <-done:
			return c
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("mailzone did not end within 90s\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
			return -1
		}
	}
}

// waitChanged waits until the file at path differs from before.
func waitChanged(t *testing.T, path, before string, limit time.Duration) {
	t.Helper()
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		if data, err := os.ReadFile(path); err == nil && string(data) != before {
			return
		}
		time.Sleep(500 * time.Microsecond)
	}
	t.Fatalf("%s did not change within %v", path, limit)
}

var interruptedLine = regexp.MustCompile(`Interrupted: (\d+) zone\(s\) written, (\d+) stopped with an error \(listed above\), (\d+) not started\.`)

// TestInterruptApplyZoneFiles sends a real SIGINT (and SIGTERM, and a
// double SIGINT) to the built binary while it applies 400 zone files one at a
// time. The first signal lets the write in flight finish and starts no other;
// the report's counts agree with the files on disk; every file is wholly old
// or wholly new; no lock or temporary file is left; the exit code is 130 or
// 143; and a new plan shows exactly the zones not written.
func TestInterruptApplyZoneFiles(t *testing.T) {
	const domains = 400
	template := genFleet(t, domains)
	orig := tree(t, template)
	ref := filepath.Join(t.TempDir(), "ref")
	copyTree(t, template, ref)
	if r := run(t, ref, nil, "apply", "--yes"); r.code != 0 {
		t.Fatalf("reference apply: %s", r)
	}
	applied := tree(t, ref)
	var zones []string
	for name := range orig {
		if strings.HasSuffix(name, ".zone") && orig[name] != applied[name] {
			zones = append(zones, name)
		}
	}
	if len(zones) < domains/2 {
		t.Fatalf("only %d zones need changes", len(zones))
	}
	for _, tt := range []struct {
		name    string
		signals []syscall.Signal
		code    int
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}, 130},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, 143},
		{"SIGINT twice", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, 130},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyTree(t, template, dir)
			// Zones are written in plan order, one at a time: the first zone
			// file to change is the first in sorted order.
			first := filepath.Join(dir, "zones", firstZone(zones))
			cmd := command(t, dir, nil, "apply", "--yes", "--parallel", "1")
			stdout, stderr, wait := startWatched(t, cmd)
			waitChanged(t, first, orig[filepath.Join("zones", filepath.Base(first))], 30*time.Second)
			for _, sig := range tt.signals {
				cmd.Process.Signal(sig)
			}
			code := wait()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n--- stdout\n%s--- stderr\n%s", code, tt.code, tail(stdout.String()), stderr.String())
			}
			if !strings.Contains(stderr.String(), "no new zone starts; writes in flight finish") {
				t.Errorf("stderr does not say what the signal does:\n%s", stderr.String())
			}
			m := interruptedLine.FindStringSubmatch(stdout.String())
			if m == nil {
				t.Fatalf("no report of what was written:\n%s", tail(stdout.String()))
			}
			written, _ := strconv.Atoi(m[1])
			partial, _ := strconv.Atoi(m[2])
			notStarted, _ := strconv.Atoi(m[3])
			got := tree(t, dir)
			changed := 0
			for name, text := range got {
				switch {
				case strings.HasSuffix(name, ".lock"):
					t.Errorf("lock file left behind: %s", name)
				case name == "mailzone.yaml":
				case !strings.HasSuffix(name, ".zone"):
					t.Errorf("file left behind: %s", name)
				case text == orig[name]:
				case text == applied[name]:
					changed++
				default:
					t.Errorf("%s is neither the old nor the applied text", name)
				}
			}
			if changed != written || written+partial+notStarted != len(zones) || notStarted == 0 {
				t.Errorf("report says %d written, %d partial, %d not started; %d of %d zone files changed", written, partial, notStarted, changed, len(zones))
			}
			// The plan now shows exactly what is left.
			r := run(t, dir, nil, "plan", "--format", "json")
			var p plan.Plan
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
				t.Fatalf("plan json: %v\n%s", err, r)
			}
			left := 0
			for _, z := range p.Zones {
				if len(z.Changes) > 0 {
					left++
				}
			}
			if left != len(zones)-changed {
				t.Errorf("plan shows %d zones with changes, want %d", left, len(zones)-changed)
			}
			t.Logf("%s: %d written, %d not started", tt.name, written, notStarted)
		})
	}
}

func firstZone(zones []string) string {
	first := zones[0]
	for _, z := range zones {
		if z < first {
			first = z
		}
	}
	return filepath.Base(first)
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}

// TestInterruptVerifyBIND applies to a real BIND primary whose secondary
// never gets the change (stopped), and sends SIGINT while apply waits for the
// nameservers: mailzone prints the matrix so far, naming the stale
// nameserver, and exits 130; the change it wrote stays written.
func TestInterruptVerifyBIND(t *testing.T) {
	bindtest.Require(t)
	zone := "contoso.com"
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: []rrset.RRset{
		rrset.New(zone, "@", "TXT", 3600, "google-site-verification=4ac9Xq1vT0mOlY7fz3lK"),
	}})
	secondary := bindtest.StartSecondary(t, primary, bindtest.Options{})
	secondary.Stop()
	dir := t.TempDir()
	key := primary.Key
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults:
  provider: lab
  verify: {nameservers: [%q, %q], timeout: 5m}
domains:
  contoso.com:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
`, primary.Addr, key.Name, key.Algorithm, primary.Addr, secondary.Addr))
	cmd := exec.Command(binary, "apply", "--offline", "--yes")
	cmd.Dir, cmd.Env = dir, append(baseEnv(dir), "TSIG_SECRET="+key.Secret)
	stdout, stderr, wait := startWatched(t, cmd)
	end := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "Apply complete") && time.Now().Before(end) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // let verification poll a few rounds
	cmd.Process.Signal(syscall.SIGINT)
	code := wait()
	out := stdout.String()
	if code != 130 {
		t.Fatalf("exit %d, want 130\n--- stdout\n%s--- stderr\n%s", code, out, stderr.String())
	}
	for _, want := range []string{"verify zone contoso.com:", primary.Addr, secondary.Addr, "Verification was interrupted (SIGINT) after"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// The write stays: plan shows no changes.
	r := runRaw(t, dir, map[string]string{"TSIG_SECRET": key.Secret}, "plan", "--offline", "--detailed-exitcode")
	if r.code != 0 {
		t.Errorf("plan after the interrupted verification: %s", r)
	}
}

// TestInterruptApplyBIND sends SIGINT while apply writes 120 zones on a real
// BIND primary over RFC 2136, one zone at a time: each zone is one UPDATE, so
// every zone is wholly old or wholly new on the server; the report's count of
// zones written is what the server serves; and a new plan shows exactly the
// zones not written.
func TestInterruptApplyBIND(t *testing.T) {
	bindtest.Require(t)
	const n = 120
	var zones []string
	for i := 0; i < n; i++ {
		zones = append(zones, fmt.Sprintf("customer%03d-northwind.example", i))
	}
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zones[0], MoreZones: zones[1:]})
	key := primary.Key
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults: {provider: lab}
profiles:
  standard:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
    dmarc: {policy: quarantine, rua: ["mailto:dmarc@mailgate.example.net"]}
domains:
`, primary.Addr, key.Name, key.Algorithm)
	for _, z := range zones {
		fmt.Fprintf(&cfg, "  %s: {profile: standard}\n", z)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), cfg.String())
	vars := map[string]string{"TSIG_SECRET": key.Secret}
	cmd := exec.Command(binary, "apply", "--offline", "--no-verify", "--yes", "--parallel", "1")
	cmd.Dir, cmd.Env = dir, append(baseEnv(dir), "TSIG_SECRET="+key.Secret)
	stdout, stderr, wait := startWatched(t, cmd)
	end := time.Now().Add(30 * time.Second)
	for !hasMX(primary.Addr, zones[0]) && time.Now().Before(end) {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if code := wait(); code != 130 {
		t.Fatalf("exit %d, want 130\n--- stdout\n%s--- stderr\n%s", code, tail(stdout.String()), stderr.String())
	}
	m := interruptedLine.FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no report of what was written:\n%s", tail(stdout.String()))
	}
	written, _ := strconv.Atoi(m[1])
	notStarted, _ := strconv.Atoi(m[3])
	served := 0
	for _, z := range zones {
		mx, spf, dmarc := hasMX(primary.Addr, z), hasTXT(primary.Addr, z, "v=spf1"), hasTXT(primary.Addr, "_dmarc."+z, "v=DMARC1")
		switch {
		case mx && spf && dmarc:
			served++
		case mx || spf || dmarc:
			t.Errorf("zone %s is half written: MX %v, SPF %v, DMARC %v", z, mx, spf, dmarc)
		}
	}
	if served != written || notStarted == 0 || written+notStarted != n {
		t.Errorf("report: %d written, %d not started; the server serves %d zones new", written, notStarted, served)
	}
	// 120 zones read 32 at a time from one BIND, whose transfers-out quota
	// is 10: every zone is read (the provider keeps its transfers under the
	// quota and retries SERVFAIL).
	r := runRaw(t, dir, vars, "plan", "--offline", "--format", "json", "--parallel", "32")
	var p plan.Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 {
		t.Fatalf("plan: %v\n%s", err, r)
	}
	left := 0
	for _, z := range p.Zones {
		if len(z.Changes) > 0 {
			left++
		}
		if z.Error != "" {
			t.Logf("zone %s not read: %s", z.Zone, z.Error)
		}
	}
	if left != n-served {
		t.Errorf("plan shows %d zones with changes, want %d", left, n-served)
	}
	t.Logf("SIGINT over BIND: %d of %d zones written, %d not started", written, n, notStarted)
}

func hasMX(server, zone string) bool {
	return answer(server, zone, dns.TypeMX, "")
}

func hasTXT(server, name, prefix string) bool {
	return answer(server, name, dns.TypeTXT, prefix)
}

// answer asks server for name and type, and reports whether a record of that
// type (holding prefix, for TXT) is in the answer.
func answer(server, name string, typ uint16, prefix string) bool {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), typ)
	c := &dns.Client{Timeout: time.Second}
	r, _, err := c.Exchange(m, server)
	if err != nil {
		return false
	}
	for _, rr := range r.Answer {
		if rr.Header().Rrtype != typ {
			continue
		}
		if t, ok := rr.(*dns.TXT); ok && !strings.HasPrefix(strings.Join(t.Txt, ""), prefix) {
			continue
		}
		return true
	}
	return false
}
