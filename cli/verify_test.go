package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// bindPair starts a BIND primary taking TSIG updates and a secondary fed by
// NOTIFY/IXFR, and writes a configuration for customer.example on the primary.
func bindPair(t *testing.T) (cfg string, vars map[string]string, primary, secondary *bindtest.Server) {
	t.Helper()
	z := e2eZone
	primary = bindtest.StartPrimary(t, bindtest.Options{Zone: z, Records: []rrset.RRset{
		rrset.New(z, "@", "TXT", 3600, "google-site-verification=abc123"),
	}})
	secondary = bindtest.StartSecondary(t, primary, bindtest.Options{})
	cfg = filepath.Join(t.TempDir(), "mailzone.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %q, key_algorithm: %q, key: "${TSIG_SECRET}"}
defaults:
  provider: lab
  verify: {nameservers: [%q, %q], timeout: 30s}
domains:
  customer.example:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
    dmarc: {policy: reject}
`, primary.Addr, primary.Key.Name, primary.Key.Algorithm, primary.Addr, secondary.Addr)), 0o644)
	return cfg, map[string]string{"TSIG_SECRET": primary.Key.Secret}, primary, secondary
}

// TestApplyVerifiesEveryNameserver applies to a BIND primary and waits until
// the secondary has the change too; verify then finds no drift.
func TestApplyVerifiesEveryNameserver(t *testing.T) {
	cfg, vars, primary, secondary := bindPair(t)
	r := mz(t, vars, "", "apply", "--offline", "-c", cfg, "--yes")
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{primary.Addr, secondary.Addr, "Verified: all 2 nameserver addresses serve every record of customer.example"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r := mz(t, vars, "", "verify", "-c", cfg); r.code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestApplyUnverifiedExit3 stops the secondary: the writes succeed, but
// apply cannot prove them everywhere, says which server is stale, and exits 3.
// verify then reports the drift with exit 2.
func TestApplyUnverifiedExit3(t *testing.T) {
	cfg, vars, _, secondary := bindPair(t)
	secondary.Stop()
	start := time.Now()
	r := mz(t, vars, "", "apply", "--offline", "-c", cfg, "--yes", "--verify-timeout", "2s")
	if r.code != ExitUnverified {
		t.Fatalf("apply with a stopped secondary: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("apply took %s with a 2s verify timeout", time.Since(start))
	}
	t.Logf("apply output:\n%s%s", r.stdout, r.stderr)
	if !strings.Contains(r.stdout, secondary.Addr) || !strings.Contains(r.stderr, "the changes were written, but not every nameserver serves them yet") {
		t.Errorf("output does not name the stale server %s:\n%s\n%s", secondary.Addr, r.stdout, r.stderr)
	}
	if r := mz(t, vars, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after the writes: exit %d (the writes should be complete)\n%s", r.code, r.stdout)
	}
	r = mz(t, vars, "", "verify", "-c", cfg, "--verify-timeout", "1s")
	if r.code != ExitChanges {
		t.Errorf("verify with a stopped secondary: exit %d, want 2\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestVerifyFindsDrift: a zone that does not match the configuration is drift
// for verify (exit 2), without writing anything.
func TestVerifyFindsDrift(t *testing.T) {
	cfg, vars, primary, _ := bindPair(t)
	serial := primary.Serial(t)
	r := mz(t, vars, "", "verify", "-c", cfg, "--verify-timeout", "1s")
	if r.code != ExitChanges || !strings.Contains(r.stdout, "stale") {
		t.Fatalf("verify of an unapplied zone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if primary.Serial(t) != serial {
		t.Error("verify wrote to the zone")
	}
}
