package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// importZone is a customer zone as found at takeover: Microsoft 365 mail and
// DKIM, SendGrid for marketing, an old DMARC record, and records mailzone
// leaves alone.
func importZone(zone string) string {
	label := strings.ReplaceAll(zone, ".", "-")
	tenant := strings.Split(zone, ".")[0]
	return "$ORIGIN " + zone + ".\n$TTL 3600\n" +
		"@ IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026110101 7200 3600 1209600 300\n" +
		"@ IN NS ns1.dnshost.example.net.\n" +
		"@ IN MX 0 " + label + ".mail.protection.outlook.com.\n" +
		"@ IN TXT \"v=spf1 include:spf.protection.outlook.com include:sendgrid.net -all\"\n" +
		"@ IN TXT \"MS=ms48151623\"\n" +
		"selector1._domainkey IN CNAME selector1-" + label + "._domainkey." + tenant + ".onmicrosoft.com.\n" +
		"selector2._domainkey IN CNAME selector2-" + label + "._domainkey." + tenant + ".onmicrosoft.com.\n" +
		"s1._domainkey IN CNAME s1.domainkey.u1234.wl.sendgrid.net.\n" +
		"_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@" + zone + "\"\n" +
		"www IN CNAME " + tenant + ".azurewebsites.net.\n"
}

// TestImportWrite imports three customer domains into a configuration with
// comments, flow and block styles, in one call: they are inserted at the end
// of domains:, every other byte stays, and the plan shows no change for them.
// A domain already present is refused and nothing is written; a file without
// domains: gets one.
func TestImportWrite(t *testing.T) {
	dir := t.TempDir()
	cfg := `# Customers of the Lisbon office
version: 1
providers:
  files: {type: zonefile, directory: zones}   # the zone repository
defaults: {provider: files}
profiles:
  standard: {mx: inbound.mailgate.example.net, spf: {include: [_spf.mailgate.example.net]}, dmarc: {policy: none}}
domains:
  # signed 2026-10
  northwind-traders.com: {profile: standard}
  tailspin-toys.com:
    profile: standard   # reviewed

# end of file
`
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), cfg)
	for _, z := range []string{"contoso.com", "fabrikam.co.uk", "wingtip-toys.com", "northwind-traders.com", "tailspin-toys.com"} {
		writeFile(t, filepath.Join(dir, "zones", z+".zone"), importZone(z))
	}
	r := run(t, dir, nil, "import", "--provider", "files", "--write", "contoso.com", "fabrikam.co.uk", "wingtip-toys.com")
	if r.code != 0 || !strings.Contains(r.stdout, "Added 3 domain(s) to mailzone.yaml") {
		t.Fatalf("import --write: %s", r)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	text := string(data)
	head := strings.TrimSuffix(cfg, "\n# end of file\n")
	if !strings.HasPrefix(text, head) || !strings.HasSuffix(text, "\n# end of file\n") {
		t.Fatalf("the file around the inserted domains changed:\n%s", text)
	}
	ins := strings.TrimSuffix(strings.TrimPrefix(text, head), "\n# end of file\n")
	for _, want := range []string{
		"  contoso.com:\n",
		"      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}\n",
		"      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}\n",
		"  fabrikam.co.uk:\n",
		"  wingtip-toys.com:\n",
	} {
		if !strings.Contains(ins, want) {
			t.Errorf("inserted text lacks %q:\n%s", want, ins)
		}
	}
	r = run(t, dir, nil, "plan", "-d", "contoso.com", "-d", "fabrikam.co.uk", "-d", "wingtip-toys.com", "--detailed-exitcode")
	if r.code != 0 {
		t.Errorf("plan of the imported domains is not empty: %s", r)
	}
	// Already present: refused, nothing written.
	r = run(t, dir, nil, "import", "--provider", "files", "--write", "northwind-traders.com", "contoso.com")
	if r.code != 1 || !strings.Contains(r.stderr, "domain northwind-traders.com is already in mailzone.yaml; nothing was written") {
		t.Errorf("import --write of a present domain: %s", r)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml")); string(now) != text {
		t.Error("a refused import --write changed the file")
	}
	// No domains: yet.
	bare := "version: 1\nproviders:\n  files: {type: zonefile, directory: zones}\n"
	writeFile(t, filepath.Join(dir, "bare.yaml"), bare)
	r = run(t, dir, nil, "import", "-c", "bare.yaml", "--provider", "files", "--write", "contoso.com")
	data, _ = os.ReadFile(filepath.Join(dir, "bare.yaml"))
	if r.code != 0 || !strings.HasPrefix(string(data), bare+"domains:\n  contoso.com:\n") {
		t.Errorf("import --write into a file without domains: %s\n%s", r, data)
	}
	if r := run(t, dir, nil, "plan", "-c", "bare.yaml", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after import into a bare file: %s", r)
	}
}
