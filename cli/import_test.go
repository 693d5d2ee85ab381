package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/rrset"
)

// zonefileBackend serves the seed from an RFC 1035 zone file.
func zonefileBackend() backend {
	return backend{"zonefile", func(t *testing.T, zone string, seed []rrset.RRset) (string, map[string]string) {
		dir := t.TempDir()
		var b strings.Builder
		fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n", zone)
		for _, s := range seed {
			for _, v := range s.Values {
				if s.Type == "TXT" {
					v = rrset.QuoteTXT(v)
				}
				fmt.Fprintf(&b, "%s %d IN %s %s\n", s.Name, s.TTL, s.Type, v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, zone+".zone"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("{type: zonefile, directory: %q}", dir), nil
	}}
}

// importSeed is a zone with every kind of mail record import understands, and
// records it leaves alone.
func importSeed(zone string) []rrset.RRset {
	k2048, _ := providertest.Keys()
	key := strings.TrimPrefix(k2048, "v=DKIM1; k=rsa; p=")
	z := zone
	return merged(append(providertest.Unmanaged(z),
		rrset.New(z, "@", "MX", 3600, "10 inbound.mailgate.example.net."),
		rrset.New(z, "@", "TXT", 3600, "v=spf1 ip4:192.0.2.0/24 include:_spf.mailgate.example.net -all"),
		rrset.New(z, "mz1._domainkey", "TXT", 3600, k2048),
		rrset.New(z, "esp._domainkey", "CNAME", 3600, "esp.dkim.example.net."),
		// Delegated selectors as Microsoft 365, SendGrid and Amazon SES publish them.
		rrset.New(z, "selector1._domainkey", "CNAME", 3600, "selector1-customer-example._domainkey.customerexample.onmicrosoft.com."),
		rrset.New(z, "selector2._domainkey", "CNAME", 3600, "selector2-customer-example._domainkey.customerexample.onmicrosoft.com."),
		rrset.New(z, "s1._domainkey", "CNAME", 3600, "s1.domainkey.u1234.wl.sendgrid.net."),
		rrset.New(z, "4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv._domainkey", "CNAME", 3600, "4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv.dkim.amazonses.com."),
		rrset.New(z, "old._domainkey", "TXT", 3600, "v=DKIM1; p="),
		rrset.New(z, "odd._domainkey", "TXT", 3600, "v=DKIM1; t=y; k=rsa; p="+key),
		rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject; rua=mailto:d@customer.example"),
		rrset.New(z, "_mta-sts", "TXT", 3600, "v=STSv1; id=20261124"),
		rrset.New(z, "_smtp._tls", "TXT", 3600, "v=TLSRPTv1; rua=mailto:tlsrpt@customer.example"),
		rrset.New(z, "default._bimi", "TXT", 3600, "v=BIMI1; l=https://customer.example/logo.svg"),
	))
}

// TestImportRoundTrip imports a domain from every provider and plans the
// imported configuration: the plan shows no changes.
func TestImportRoundTrip(t *testing.T) {
	for _, b := range append([]backend{zonefileBackend()}, backends()...) {
		t.Run(b.name, func(t *testing.T) {
			block, vars := b.setup(t, e2eZone, importSeed(e2eZone))
			dir := t.TempDir()
			cfg := filepath.Join(dir, "mailzone.yaml")
			head := fmt.Sprintf("version: 1\nproviders:\n  dns: %s\n", block)
			os.WriteFile(cfg, []byte(head+"domains: {}\n"), 0o644)
			r := mz(t, vars, "", "import", "-c", cfg, "--provider", "dns", e2eZone)
			if r.code != 0 {
				t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, want := range []string{
				"    mx: inbound.mailgate.example.net\n",
				"    spf: {ip4: [192.0.2.0/24], include: [_spf.mailgate.example.net]}\n",
				"      esp: {cname: esp.dkim.example.net}\n",
				"      old: {revoked: true}\n",
				"      mz1: {public_key: \"MIIB",
				"      selector1: {cname: selector1-customer-example._domainkey.customerexample.onmicrosoft.com}\n",
				"      selector2: {cname: selector2-customer-example._domainkey.customerexample.onmicrosoft.com}\n",
				"      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}\n",
				"      4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv: {cname: 4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv.dkim.amazonses.com}\n",
				"      # odd: {public_key: ",
				"    dmarc: {policy: reject, rua: [\"mailto:d@customer.example\"]}\n",
				"    mta_sts: {id: \"20261124\"}\n",
				"    tls_rpt: {rua: [\"mailto:tlsrpt@customer.example\"]}\n",
				"    bimi: {logo: \"https://customer.example/logo.svg\"}\n",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("import output lacks %q:\n%s", want, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "      legacy: {public_key: ") {
				t.Errorf("the legacy selector is not imported:\n%s", r.stdout)
			}
			os.WriteFile(cfg, []byte(head+r.stdout), 0o644)
			p := mz(t, vars, "", "plan", "-c", cfg, "--detailed-exitcode", "--offline")
			if p.code != 0 || !strings.Contains(p.stdout, "No changes.") {
				t.Fatalf("plan of the imported configuration: exit %d\n%s%s\nimported:\n%s", p.code, p.stdout, p.stderr, r.stdout)
			}
			if !strings.Contains(p.stdout, "odd._domainkey.customer.example. TXT") {
				t.Errorf("the selector left out is not listed as unmanaged:\n%s", p.stdout)
			}
		})
	}
}

// TestImportFindings: what mailzone cannot publish as it is becomes comments,
// and the output always loads.
func TestImportFindings(t *testing.T) {
	z := "messy.example"
	b := zonefileBackend()
	block, _ := b.setup(t, z, merged([]rrset.RRset{
		rrset.New(z, "@", "MX", 300, "20 mx2.example.net.", "10 mx1.example.net."),
		rrset.New(z, "@", "TXT", 300, "v=spf1 ptr ~all"),
		rrset.New(z, "_dmarc", "TXT", 300, "v=DMARC1; p=none; pct=50"),
		rrset.New(z, "_mta-sts", "TXT", 300, "v=STSv1; id=x; extra=1"),
		rrset.New(z, "default._bimi", "TXT", 300, "v=BIMI1; l=https://messy.example/l.svg"),
		rrset.New(z, "mail.sub", "MX", 300, "10 mx.example.net."),
	}))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	head := fmt.Sprintf("version: 1\nproviders:\n  dns: %s\ndefaults: {ttl: 3600}\n", block)
	os.WriteFile(cfg, []byte(head+"domains: {}\n"), 0o644)
	r := mz(t, nil, "", "import", "-c", cfg, "--provider", "dns", z, "mail.sub."+z, "--zone", z)
	if r.code != 0 {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"    # the zone has 2 MX records (10 mx1.example.net., 20 mx2.example.net.); mailzone manages a single MX,\n",
		"    mx: mx1.example.net\n",
		"    ttl: 300\n",
		"    # not imported: ",
		"    # spf: {raw: \"v=spf1 ptr ~all\", allow_softfail: true}\n",
		"    # warning: ",
		"    dmarc: {policy: none, pct: 50}\n",
		"    # not imported: published as \"v=STSv1; id=x; extra=1\"",
		"    # not imported: BIMI needs a DMARC policy of quarantine or reject",
		"  mail.sub.messy.example:\n    provider: dns\n    zone: messy.example\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("import output lacks %q:\n%s", want, r.stdout)
		}
	}
	os.WriteFile(cfg, []byte(head+r.stdout), 0o644)
	if p := mz(t, nil, "", "plan", "-c", cfg, "--detailed-exitcode", "--offline"); p.code != 2 || !strings.Contains(p.stdout, "Plan: 0 to add, 1 to change, 0 to delete.") {
		t.Fatalf("plan: exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	if r := mz(t, nil, "", "import", "-c", cfg, z); r.code != 1 || !strings.Contains(r.stderr, "--provider is required") {
		t.Errorf("import without --provider: exit %d %s", r.code, r.stderr)
	}
	if r := mz(t, nil, "", "import", "-c", cfg, "--provider", "nope", z); r.code != 1 || !strings.Contains(r.stderr, `provider "nope" is not declared`) {
		t.Errorf("import with an unknown provider: exit %d %s", r.code, r.stderr)
	}
}
