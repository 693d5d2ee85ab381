package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestCloudflareAutoTTLBesideManaged: a google-site-verification TXT made in
// the dashboard (TTL "auto", 1 in the API) beside the SPF record mailzone
// manages at 3600. The plan shows no change; a real TTL change of the SPF
// record is one PATCH of that record, and the plan after it is empty: it
// converges, and the dashboard record keeps its TTL.
func TestCloudflareAutoTTLBesideManaged(t *testing.T) {
	cf := fakecf.New(t)
	cf.AddZone("contoso.com")
	pref := uint16(10)
	cf.AddRecord("contoso.com", fakecf.Record{Name: "contoso.com", Type: "MX", Content: "inbound.mailgate.example.net", Priority: &pref, TTL: 3600})
	cf.AddRecord("contoso.com", fakecf.Record{Name: "contoso.com", Type: "TXT", Content: `"v=spf1 include:_spf.mailgate.example.net -all"`, TTL: 3600})
	cf.AddRecord("contoso.com", fakecf.Record{Name: "contoso.com", Type: "TXT", Content: `"google-site-verification=4ac9Xq1vT0mOlY7fz3lK"`, TTL: 1})
	cf.AddRecord("contoso.com", fakecf.Record{Name: "contoso.com", Type: "TXT", Content: `"MS=ms48151623"`, TTL: 300})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	write := func(ttl int) {
		os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 1
providers:
  cf: {type: cloudflare, api_token: "${CF_TOKEN}", endpoint: %q}
defaults: {provider: cf, ttl: %d}
domains:
  contoso.com:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
`, cf.URL(), ttl)), 0o644)
	}
	vars := map[string]string{"CF_TOKEN": fakecf.Token}
	write(3600)
	r := mz(t, vars, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode")
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") {
		t.Fatalf("plan beside an auto-TTL record: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A real TTL change: only the owned record is written.
	write(1800)
	cf.ResetLog()
	r = mz(t, vars, "", "apply", "--offline", "--no-verify", "--yes", "-c", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "ttl 3600 → 1800") {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if w := cf.Writes(); len(w) != 2 { // the MX and the SPF record, one PATCH each
		t.Errorf("writes: %v", w)
	}
	r = mz(t, vars, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode")
	if r.code != 0 {
		t.Fatalf("plan after apply does not converge: exit %d\n%s", r.code, r.stdout)
	}
	for _, rec := range cf.Records("contoso.com") {
		if strings.Contains(rec.Content, "google-site-verification") && rec.TTL != 1 {
			t.Errorf("the dashboard record's TTL changed to %d", rec.TTL)
		}
		if strings.Contains(rec.Content, "MS=") && rec.TTL != 300 {
			t.Errorf("the MS record's TTL changed to %d", rec.TTL)
		}
	}
}

// TestSharedTTLSaidPlainly: where the RRset holds one TTL (zone files,
// Route53, RFC 2136), a TTL change of the SPF record also moves the records
// beside it; the plan says so.
func TestSharedTTLSaidPlainly(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.MkdirAll(filepath.Join(dir, "zones"), 0o755)
	os.WriteFile(filepath.Join(dir, "zones", "contoso.com.zone"), []byte("$ORIGIN contoso.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 2026110101 7200 3600 1209600 300\n@ IN NS ns1.dnshost.example.net.\n@ 3600 IN TXT \"v=spf1 include:_spf.mailgate.example.net -all\"\n@ 3600 IN TXT \"google-site-verification=4ac9Xq1vT0mOlY7fz3lK\"\n"), 0o644)
	os.WriteFile(cfg, []byte("version: 1\nproviders: {files: {type: zonefile, directory: zones}}\ndefaults: {provider: files, ttl: 300}\ndomains:\n  contoso.com: {spf: {include: [_spf.mailgate.example.net]}}\n"), 0o644)
	r := mz(t, nil, "", "plan", "--offline", "-c", cfg)
	want := "note: this provider holds one TTL per RRset, so the 1 record(s) not managed here also change TTL 3600 → 300"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("plan lacks %q:\n%s", want, r.stdout)
	}
	md := mz(t, nil, "", "plan", "--offline", "-c", cfg, "--format", "markdown")
	if !strings.Contains(md.stdout, want) {
		t.Errorf("markdown lacks the note:\n%s", md.stdout)
	}
}
