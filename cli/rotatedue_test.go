package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/providertest"
)

// TestRotateDue: with the clock at 2026-12-01, a 180-day policy rotates the
// key made 2026-05-01, not the one made 2026-11-01; a key without a created
// date is reported; algorithm both adds an RSA and an Ed25519 selector; lint
// warns of the old key. Running it again adds nothing.
func TestRotateDue(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.MkdirAll(filepath.Join(dir, "zones"), 0o755)
	for _, z := range []string{"contoso.com", "fabrikam.com", "northwind.com", "tailspin.com"} {
		os.WriteFile(filepath.Join(dir, "zones", z+".zone"), []byte("$ORIGIN "+z+".\n@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"), 0o644)
	}
	src := `# rotation policy test
version: 1
providers: {files: {type: zonefile, directory: zones}}
defaults: {provider: files, resolver: "127.0.0.1:1"}
profiles:
  standard:
    mx: inbound.mailgate.example.net
    dkim_policy: {rotate_every: 180d, selector: "mz{yyyy}{mm}"}
domains:
  contoso.com:      # due
    profile: standard
    dkim:
      mz202605: {revoked: true, created: 2026-05-01}
      old: {public_key: "` + rsaPublicKey(t) + `", created: 2026-05-01}
  fabrikam.com: {profile: standard, dkim: {mz202611: {public_key: "` + rsaPublicKey(t) + `", created: 2026-11-01}}}
  northwind.com:
    profile: standard
    dkim:
      legacy: {public_key: "` + rsaPublicKey(t) + `"}
  tailspin.com:
    profile: standard
    dkim_policy: {rotate_every: 90d, algorithm: both, selector: "ts{yyyy}{mm}{dd}"}
    dkim:
      k1: {public_key: "` + rsaPublicKey(t) + `", created: 2026-01-15}
`
	os.WriteFile(cfg, []byte(src), 0o644)
	vars := map[string]string{"MAILZONE_NOW": "2026-12-01T09:00:00Z"}
	r := mz(t, vars, "", "lint", "--offline", "-c", cfg)
	if !strings.Contains(r.stderr, "domains.contoso.com.dkim.old: key created 2026-05-01 is older than rotate_every (180 days)") || strings.Contains(r.stderr, "fabrikam") {
		t.Errorf("lint:\n%s", r.stderr)
	}
	r = mz(t, vars, "", "dkim", "rotate", "--due", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("rotate --due: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"contoso.com: added selector mz202612 with a new RSA 2048-bit key",
		"fabrikam.com: key mz202611 is not due until 2027-04-30",
		"northwind.com: the age of key legacy is unknown (no created date)",
		"tailspin.com: added selector ts20261201-rsa with a new RSA 2048-bit key",
		"tailspin.com: added selector ts20261201-ed25519 with a new Ed25519 key",
		"3 new key(s).",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	data, _ := os.ReadFile(cfg)
	if !strings.Contains(string(data), "      mz202612: {key_file: keys/contoso.com/mz202612.pub.pem, created: 2026-12-01}\n  fabrikam.com:") {
		t.Errorf("contoso.com not edited in place:\n%s", data)
	}
	r = mz(t, vars, "", "dkim", "rotate", "--due", "-c", cfg)
	if r.code != 0 || strings.Contains(r.stdout, "added selector") {
		t.Errorf("second rotate --due added keys:\n%s", r.stdout)
	}
	if again, _ := os.ReadFile(cfg); string(again) != string(data) {
		t.Error("second rotate --due changed the file")
	}
}

// rsaPublicKey is a new 2048-bit RSA public key, base64 SubjectPublicKeyInfo.
func rsaPublicKey(t *testing.T) string {
	t.Helper()
	k, _ := providertest.Keys()
	return strings.TrimPrefix(k, "v=DKIM1; k=rsa; p=")
}

// TestOnboardBothAlgorithms: --dkim-algorithm both makes one RSA and one
// Ed25519 selector (RFC 8463); an Ed25519-only domain gets a warning.
func TestOnboardBothAlgorithms(t *testing.T) {
	cfg := oddSetup(t)
	dir := filepath.Dir(cfg)
	r := mz(t, nil, "", "onboard", "new.example", "--profile", "standard", "-c", cfg, "--dkim-selector", "mz202612", "--dkim-algorithm", "both")
	if r.code != 0 {
		t.Fatalf("onboard: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	for _, want := range []string{"mz202612-rsa: {key_file: keys/new.example/mz202612-rsa.pub.pem", "mz202612-ed25519: {key_file: keys/new.example/mz202612-ed25519.pub.pem"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("config lacks %q:\n%s", want, data)
		}
	}
	for _, f := range []string{"mz202612-rsa.pem", "mz202612-ed25519.pem"} {
		if st, err := os.Stat(filepath.Join(dir, "keys", "new.example", f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if strings.Contains(r.stderr, "only keys are Ed25519") {
		t.Errorf("warning for a domain with both:\n%s", r.stderr)
	}
	r = mz(t, nil, "", "onboard", "ed.example", "--profile", "standard", "-c", cfg, "--dkim-algorithm", "ed25519")
	if r.code != 0 || !strings.Contains(r.stderr, "only keys are Ed25519, which many receivers do not verify yet") {
		t.Errorf("Ed25519 only: exit %d\n%s", r.code, r.stderr)
	}
}

// TestVersion: the version line names the Go version and platform from the
// build info (and the module version and VCS revision when the build has them).
func TestVersion(t *testing.T) {
	r := mz(t, nil, "", "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mailzone ") || !strings.Contains(r.stdout, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("version: %q", r.stdout)
	}
}
