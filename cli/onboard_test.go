package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// oddConfig has comments everywhere, four-space indentation, flow and block
// entries, and a commented-out domain: onboard and rotate must keep all of it.
const oddConfig = `# customers of the Lisbon office
version: 1
providers:
    files: {type: zonefile, directory: zones}   # zone files, for the test
defaults:
    provider: files
    resolver: "127.0.0.1:1"    # nothing listens: delegation is not checked
profiles:
    standard:
        mx: inbound.mailgate.example.net
        spf: {include: [_spf.mailgate.example.net]}
        dmarc: {policy: reject}
domains:
    # first customer
    a.example:   # signed by the gateway
        profile: standard
        dkim:
            s1: {revoked: true}

    b.example: {profile: standard}     # flow style
    plain.example:
        profile: standard
    # c.example: {profile: standard}   # waits for the contract

# nothing below is a domain
`

func oddSetup(t *testing.T) (cfg string) {
	t.Helper()
	dir := t.TempDir()
	cfg = filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte(oddConfig), 0o644)
	os.Mkdir(filepath.Join(dir, "zones"), 0o755)
	for _, z := range []string{"a.example", "b.example", "plain.example", "new.example", "ed.example", "mz.example"} {
		os.WriteFile(filepath.Join(dir, "zones", z+".zone"), []byte("$ORIGIN "+z+".\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"), 0o644)
	}
	return cfg
}

func TestOnboard(t *testing.T) {
	cfg := oddSetup(t)
	dir := filepath.Dir(cfg)
	r := mz(t, nil, "", "onboard", "new.example", "--provider", "files", "--profile", "standard", "-c", cfg, "--dkim-selector", "s2026")
	if r.code != 0 {
		t.Fatalf("onboard: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	block := "    new.example:\n        provider: files\n        profile: standard\n        dkim:\n            s2026: {key_file: keys/new.example/s2026.pub.pem, created: " + today + "}\n"
	if !strings.Contains(string(data), "    # c.example: {profile: standard}   # waits for the contract\n"+block+"\n# nothing below") {
		t.Fatalf("the domain is not at the end of domains:\n%s", data)
	}
	if got := strings.Replace(string(data), block, "", 1); got != oddConfig {
		t.Fatalf("the rest of the file changed:\n%s", data)
	}
	key := filepath.Join(dir, "keys", "new.example", "s2026.pem")
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, st)
	}
	if st, _ := os.Stat(filepath.Dir(key)); st.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v", st.Mode().Perm())
	}
	pem, _ := os.ReadFile(key)
	if !strings.HasPrefix(string(pem), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("not a PKCS #8 key: %.40s", pem)
	}
	// The configuration names the public half; it holds no private material.
	pub, err := os.ReadFile(strings.TrimSuffix(key, ".pem") + ".pub.pem")
	if err != nil || !strings.HasPrefix(string(pub), "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key file: %v %.40s", err, pub)
	}
	priv, _ := dkim.LoadKeyFile(pem)
	pubKey, _ := dkim.LoadKeyFile(pub)
	if priv.Record() != pubKey.Record() {
		t.Error("the public key file does not match the private key")
	}
	body := strings.Split(string(pem), "\n")[1]
	if strings.Contains(r.stdout+r.stderr, body) {
		t.Error("the private key was printed")
	}
	for _, want := range []string{
		"Added new.example to " + cfg + " (provider files, profile standard).",
		"a new RSA 2048-bit key",
		"Delegation of new.example",
		"zone new.example (provider files): 4 to add, 0 to change, 0 to delete",
		"+ TXT s2026._domainkey.new.example.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "a.example") {
		t.Errorf("the plan is not limited to the new domain:\n%s", r.stdout)
	}

	// Onboarding it again is refused before anything is written.
	r = mz(t, nil, "", "onboard", "new.example", "--provider", "files", "--profile", "standard", "-c", cfg, "--dkim-selector", "other")
	if r.code != 1 || !strings.Contains(r.stderr, "domain new.example is already in") {
		t.Fatalf("re-onboard: exit %d\n%s", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(cfg); string(again) != string(data) {
		t.Error("re-onboard changed the file")
	}
	if _, err := os.Stat(filepath.Join(dir, "keys", "new.example", "other.pem")); err == nil {
		t.Error("re-onboard wrote a key")
	}

	// Ed25519, and the default selector.
	r = mz(t, nil, "", "onboard", "ed.example", "--profile", "standard", "-c", cfg, "--dkim-algorithm", "ed25519")
	if r.code != 0 || !strings.Contains(r.stdout, "a new Ed25519 key") || !strings.Contains(r.stdout, `"v=DKIM1; k=ed25519; p=`) {
		t.Fatalf("ed25519: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	sel := keyfile.DefaultSelector(time.Now())
	if !regexp.MustCompile(`^mz\d{6}$`).MatchString(sel) {
		t.Errorf("default selector %q", sel)
	}
	data, _ = os.ReadFile(cfg)
	if !strings.Contains(string(data), block+"    ed.example:\n        profile: standard\n        dkim:\n            "+sel+": {key_file: keys/ed.example/"+sel+".pub.pem, created: "+today+"}\n") {
		t.Errorf("second domain:\n%s", data)
	}

	// Unknown profile and provider are refused before anything is written.
	for _, args := range [][]string{
		{"--profile", "nope"},
		{"--profile", "standard", "--provider", "nope"},
		{"--profile", "standard", "--dkim-algorithm", "dsa"},
	} {
		r = mz(t, nil, "", append([]string{"onboard", "mz.example", "-c", cfg}, args...)...)
		if r.code != 1 {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "keys", "mz.example")); err == nil {
		t.Error("a refused onboard left a key directory")
	}
}

func TestOnboardEmptyDomains(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte("version: 1\nproviders: {f: {type: zonefile, directory: .}}\ndefaults: {provider: f, resolver: \"127.0.0.1:1\"}\nprofiles:\n  p: {mx: mx.example.net}\ndomains: {}   # none yet\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.example.zone"), []byte("$ORIGIN x.example.\n@ 3600 IN SOA ns1 h 1 2 3 4 5\n"), 0o644)
	r := mz(t, nil, "", "onboard", "x.example", "--profile", "p", "-c", cfg, "--dkim-selector", "k1", "--dkim-algorithm", "ed25519")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	want := "domains:   # none yet\n  x.example:\n    profile: p\n    dkim:\n      k1: {key_file: keys/x.example/k1.pub.pem, created: " + today + "}\n"
	if !strings.HasSuffix(string(data), want) {
		t.Errorf("got:\n%s", data)
	}
}

func TestDKIMRotate(t *testing.T) {
	cfg := oddSetup(t)
	dir := filepath.Dir(cfg)
	r := mz(t, nil, "", "dkim", "rotate", "a.example", "--selector", "s2", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	line := "            s2: {key_file: keys/a.example/s2.pub.pem, created: " + today + "}\n"
	if !strings.Contains(string(data), "            s1: {revoked: true}\n"+line+"\n    b.example") {
		t.Fatalf("selector not added next to s1:\n%s", data)
	}
	if strings.Replace(string(data), line, "", 1) != oddConfig {
		t.Fatalf("the rest of the file changed:\n%s", data)
	}
	if st, err := os.Stat(filepath.Join(dir, "keys", "a.example", "s2.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
	for _, want := range []string{"Added DKIM selector s2 to a.example", "Move the signers to selector s2", "revoked", "+ TXT s2._domainkey.a.example."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	// A domain without dkim gets the mapping; ed25519.
	r = mz(t, nil, "", "dkim", "rotate", "plain.example", "--selector", "e1", "--dkim-algorithm", "ed25519", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("rotate plain: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data2, _ := os.ReadFile(cfg)
	added := "        dkim:\n            e1: {key_file: keys/plain.example/e1.pub.pem, created: " + today + "}\n"
	if !strings.Contains(string(data2), "    plain.example:\n        profile: standard\n"+added+"    # c.example") ||
		strings.Replace(string(data2), added, "", 1) != string(data) {
		t.Fatalf("plain.example:\n%s", data2)
	}

	// Refusals write nothing: an existing selector, an unknown domain.
	for _, tt := range []struct{ args, want string }{
		{"a.example --selector s2", "already declares selector s2"},
		{"nope.example --selector s9", "domain nope.example is not in"},
		{"a.example", "--selector is required"},
	} {
		r = mz(t, nil, "", append([]string{"dkim", "rotate", "-c", cfg}, strings.Fields(tt.args)...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d\n%s", tt.args, r.code, r.stderr)
		}
	}
	if now, _ := os.ReadFile(cfg); string(now) != string(data2) {
		t.Error("a refused rotate changed the file")
	}
	if _, err := os.Stat(filepath.Join(dir, "keys", "nope.example")); err == nil {
		t.Error("a refused rotate left a key directory")
	}
}

// TestOnboardZoneMissingAtProvider: at a provider where mailzone cannot
// create zones, a missing zone is refused before anything is written, and
// the error says what to do.
func TestOnboardZoneMissingAtProvider(t *testing.T) {
	cf := fakecf.New(t)
	cf.AddZone("contoso.com")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	src := "version: 1\nproviders:\n  cf: {type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: \"" + cf.URL() + "\"}\ndefaults: {provider: cf, resolver: \"127.0.0.1:1\"}\nprofiles:\n  standard: {mx: inbound.mailgate.example.net}\ndomains:\n  contoso.com: {profile: standard}\n"
	os.WriteFile(cfg, []byte(src), 0o644)
	r := mz(t, map[string]string{"CF_TOKEN": fakecf.Token}, "", "onboard", "fabrikam.com", "--profile", "standard", "-c", cfg, "--create-zone", "--ns", "ns1.dnshost.example.net", "--hostmaster", "hostmaster.dnshost.example.net")
	if r.code != 1 || !strings.Contains(r.stderr, "zone fabrikam.com at provider cf could not be read") || !strings.Contains(r.stderr, "Add the zone at the provider") {
		t.Fatalf("onboard of a zone Cloudflare does not have: exit %d\n%s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(cfg); string(data) != src {
		t.Error("the configuration changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "keys")); err == nil {
		t.Error("keys were written")
	}
}
