package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
)

func writePublicKey(t *testing.T, path string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	writeFile(t, path, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

type statusRow struct {
	Domain, Selector, Kind, Algorithm, Fingerprint, Created, State string
	Bits                                                           int
	AgeDays                                                        *int `json:"age_days"`
	RotationDue                                                    bool `json:"rotation_due"`
	Served                                                         bool
	Reasons                                                        []string
}

func statusOf(t *testing.T, r result) map[string]statusRow {
	t.Helper()
	var rows []statusRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("dkim status json: %v\n%s", err, r)
	}
	out := map[string]statusRow{}
	for _, row := range rows {
		out[row.Selector] = row
	}
	return out
}

// TestDKIMLifecycleBIND takes a new key through its states against a real
// BIND primary and a secondary that lags (notify delay), with a 2-second SOA
// negative TTL: pending before apply and while the secondary lags, then
// propagating, then ready; `dkim ready --wait` waits out both and exits 0; the
// older key becomes retiring; with the secondary stopped, a newer key times
// out with exit 3 naming it.
func TestDKIMLifecycleBIND(t *testing.T) {
	bindtest.Require(t)
	zone := "contoso.com"
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, NotifyDelay: 2 * time.Second, NegativeTTL: 2 * time.Second})
	secondary := bindtest.StartSecondary(t, primary, bindtest.Options{})
	dir := t.TempDir()
	writePublicKey(t, filepath.Join(dir, "keys", zone, "mz202606.pub.pem"))
	writePublicKey(t, filepath.Join(dir, "keys", zone, "mz202612.pub.pem"))
	key := primary.Key
	config := func(selectors string) {
		writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults:
  provider: lab
  resolver: "127.0.0.1:1"   # no resolver: the same on every machine
  verify: {nameservers: [%q, %q]}
domains:
  contoso.com:
    mx: contoso-com.mail.protection.outlook.com
    dkim_policy: {rotate_every: 180d}
    dkim:
%s`, primary.Addr, key.Name, key.Algorithm, primary.Addr, secondary.Addr, selectors))
	}
	vars := map[string]string{"TSIG_SECRET": key.Secret}
	config("      mz202606: {key_file: keys/contoso.com/mz202606.pub.pem, created: 2026-06-01}\n      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}\n")

	st := statusOf(t, runRaw(t, dir, vars, "dkim", "status", "--format", "json"))
	if s := st["mz202606"]; s.State != "pending" || s.Served || s.Kind != "key" || s.Bits != 2048 || !strings.HasPrefix(s.Fingerprint, "sha256:") || s.Created != "2026-06-01" || !s.RotationDue {
		t.Errorf("before apply: %+v", s)
	}
	if s := st["selector1"]; s.Kind != "cname" || s.State != "pending" {
		t.Errorf("cname before apply: %+v", s)
	}
	if r := runRaw(t, dir, vars, "apply", "--offline", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	// Not ready yet: the secondary lags, or the negative TTL has not passed.
	r := runRaw(t, dir, vars, "dkim", "ready", zone, "mz202606")
	if r.code != 2 || !strings.Contains(r.stdout, "SOA negative TTL 2s") {
		t.Errorf("dkim ready right after apply: %s", r)
	}
	start := time.Now()
	r = runRaw(t, dir, vars, "dkim", "ready", zone, "mz202606", "--wait", "--timeout", "60s")
	if r.code != 0 || !strings.Contains(r.stdout, "Selector mz202606 of contoso.com is ready: sign with it.") {
		t.Fatalf("dkim ready --wait: %s", r)
	}
	t.Logf("ready --wait took %v", time.Since(start).Round(100*time.Millisecond))
	// The delegated selector's target does not exist here: pending, and why.
	st = statusOf(t, runRaw(t, dir, vars, "dkim", "status", "--format", "json"))
	if s := st["selector1"]; s.State != "pending" || !strings.Contains(strings.Join(s.Reasons, " "), "selector1-contoso-com._domainkey.contoso.onmicrosoft.com") {
		t.Errorf("cname whose target has no key: %+v", s)
	}

	// A newer key: once ready, the older one is retiring.
	config("      mz202606: {key_file: keys/contoso.com/mz202606.pub.pem, created: 2026-06-01}\n      mz202612: {key_file: keys/contoso.com/mz202612.pub.pem, created: 2026-12-01}\n")
	// apply verifies, then says when the new key is safe to sign with.
	if r := runRaw(t, dir, vars, "apply", "--offline", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "DKIM mz202612 of contoso.com is served everywhere; safe to sign with from ") {
		t.Fatalf("apply with verification: %s", r)
	}
	if r := runRaw(t, dir, vars, "dkim", "ready", zone, "mz202612", "--wait", "--timeout", "60s"); r.code != 0 {
		t.Fatalf("dkim ready --wait mz202612: %s", r)
	}
	st = statusOf(t, runRaw(t, dir, vars, "dkim", "status", "--format", "json"))
	if st["mz202606"].State != "retiring" || st["mz202612"].State != "ready" {
		t.Errorf("after rotation: mz202606 %s, mz202612 %s", st["mz202606"].State, st["mz202612"].State)
	}
	// retire: the old key, since the new one is ready; then the new one is
	// the last ready key and is refused.
	r = runRaw(t, dir, vars, "dkim", "retire", zone, "mz202606")
	cfgText, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	if r.code != 0 || !strings.Contains(string(cfgText), "      mz202606: {revoked: true}\n") {
		t.Fatalf("dkim retire mz202606: %s\n%s", r, cfgText)
	}
	r = runRaw(t, dir, vars, "dkim", "retire", zone, "mz202612")
	after, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	if r.code != 1 || !strings.Contains(r.stderr, "no other selector of the domain is ready to sign with (mz202606 is revoked)") || string(after) != string(cfgText) {
		t.Errorf("dkim retire of the last ready key: %s", r)
	}

	// A stale nameserver: --wait times out with exit 3 and names it.
	secondary.Stop()
	writePublicKey(t, filepath.Join(dir, "keys", zone, "mz202701.pub.pem"))
	config("      mz202612: {key_file: keys/contoso.com/mz202612.pub.pem, created: 2026-12-01}\n      mz202701: {key_file: keys/contoso.com/mz202701.pub.pem}\n")
	if r := runRaw(t, dir, vars, "apply", "--offline", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	r = runRaw(t, dir, vars, "dkim", "ready", zone, "mz202701", "--wait", "--timeout", "3s")
	if r.code != 3 || !strings.Contains(r.stderr, secondary.Addr) {
		t.Errorf("dkim ready with a stopped secondary: %s", r)
	}
}

var addrPort = regexp.MustCompile(`127\.0\.0\.\d+:\d+`)

// TestDKIMStatusGolden pins the JSON shape of `dkim status` with the clock
// (MAILZONE_NOW) and the keys fixed, against BIND: one key served, one
// revoked, one not published.
func TestDKIMStatusGolden(t *testing.T) {
	bindtest.Require(t)
	zone := "fabrikam.com"
	pub, err := os.ReadFile(filepath.Join("testdata", "dkim-status-s2026.pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, NegativeTTL: 60 * time.Second})
	key := primary.Key
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults:
  provider: lab
  resolver: "127.0.0.1:1"
  verify: {nameservers: [%q]}
domains:
  fabrikam.com:
    mx: fabrikam-com.mail.protection.outlook.com
    dkim_policy: {rotate_every: 90d}
    dkim:
      old: {revoked: true}
      s2026: {public_key: %q, created: 2026-08-01}
`, primary.Addr, key.Name, key.Algorithm, primary.Addr, string(pub)))
	vars := map[string]string{"TSIG_SECRET": key.Secret, "MAILZONE_NOW": "2026-12-01T09:00:00Z"}
	if r := runRaw(t, dir, vars, "apply", "--offline", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	r := runRaw(t, dir, vars, "dkim", "status", "--format", "json")
	if r.code != 0 {
		t.Fatalf("dkim status: %s", r)
	}
	got := addrPort.ReplaceAllString(r.stdout, "ADDR")
	golden := filepath.Join("testdata", "dkim-status.golden.json")
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("no golden (run with -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("dkim status --format json differs from %s:\n%s", golden, got)
	}
}
