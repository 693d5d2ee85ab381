package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aggregateReport is a DMARC aggregate report as Google sends it: rows of
// (source, count, aligned DKIM, aligned SPF).
func aggregateReport(org, id, domain string, rows ...[4]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>%s</org_name>
    <email>noreply-dmarc-support@%s</email>
    <report_id>%s</report_id>
    <date_range><begin>1803859200</begin><end>1803945599</end></date_range>
  </report_metadata>
  <policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>quarantine</p><sp>quarantine</sp><pct>100</pct></policy_published>
`, xmlText(org), xmlText(org), id, domain)
	for _, r := range rows {
		fmt.Fprintf(&b, `  <record>
    <row><source_ip>%s</source_ip><count>%s</count><policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>
    <identifiers><header_from>%s</header_from></identifiers>
  </record>
`, r[0], r[1], r[2], r[3], domain)
	}
	b.WriteString("</feedback>\n")
	return b.String()
}

// xmlText escapes text for an XML element, as report generators do.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TestDMARCRollout takes a three-customer fleet through a 90-day rollout
// with the clock set by MAILZONE_NOW, through the binary: p=none, then
// quarantine in testing mode, then a gated quarantine stage that holds
// without evidence, holds a customer whose reports show a failing source,
// and lets the others reach reject. The records written to the zone files
// follow each step.
func TestDMARCRollout(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.MkdirAll(zones, 0o755)
	for _, z := range []string{"contoso.com", "fabrikam.co.uk", "northwind.com"} {
		writeFile(t, filepath.Join(zones, z+".zone"), fmt.Sprintf(`$ORIGIN %s.
$TTL 3600
@   IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026120101 7200 3600 1209600 300
@   IN NS  ns1.dnshost.example.net.
www IN A   192.0.2.10
`, z))
	}
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), `# A 90-day DMARC rollout for every customer on the MSP policy.
version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults:
  provider: files
  resolver: "127.0.0.1:1"
profiles:
  msp:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net], all: fail}
    dmarc: &rollout
      policy: reject
      rua: ["mailto:dmarc-reports@mailgate.example.net"]
      rollout:
        - {policy: none, until: 2027-01-15}
        - {policy: quarantine, testing: true, until: 2027-02-01}   # t=y
        - policy: quarantine
          until: 2027-03-01
          require: {pass_rate: 98%, min_messages: 1000}
domains:
  contoso.com: {profile: msp}
  fabrikam.co.uk:
    profile: msp
  northwind.com:
    profile: msp
    dmarc: {policy: quarantine, rollout: []}   # no rollout: published as it is
`)
	dmarcOf := func(zone string) string {
		data, _ := os.ReadFile(filepath.Join(zones, zone+".zone"))
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "_dmarc") {
				return line
			}
		}
		return ""
	}
	step := func(now string, args ...string) result {
		t.Helper()
		r := runRaw(t, dir, map[string]string{"MAILZONE_NOW": now}, append([]string{"apply", "--offline", "--yes", "--no-verify"}, args...)...)
		if r.code != 0 {
			t.Fatalf("apply at %s: %s", now, r)
		}
		return r
	}

	r := step("2026-12-10T06:00:00Z")
	if !strings.Contains(r.stdout, "contoso.com     stage 1 of 3, p=none until 2027-01-15, then p=quarantine t=y") ||
		!strings.Contains(dmarcOf("contoso.com"), `"v=DMARC1; p=none; rua=mailto:dmarc-reports@mailgate.example.net"`) ||
		!strings.Contains(dmarcOf("northwind.com"), "p=quarantine") || strings.Contains(r.stdout, "northwind.com  ") {
		t.Fatalf("first day:\n%s\n%s", r.stdout, dmarcOf("contoso.com"))
	}
	r = step("2027-01-20T06:00:00Z")
	if !strings.Contains(dmarcOf("fabrikam.co.uk"), `p=quarantine; rua=mailto:dmarc-reports@mailgate.example.net; t=y"`) {
		t.Fatalf("second stage:\n%s\n%s", r.stdout, dmarcOf("fabrikam.co.uk"))
	}
	r = step("2027-02-10T06:00:00Z")
	if !strings.Contains(r.stdout, "stage 3 of 3, p=quarantine until 2027-03-01, then p=reject if the DMARC evidence allows") {
		t.Fatalf("gated stage:\n%s", r.stdout)
	}
	// Past the gate's date without evidence: held, and nothing to write.
	r = runRaw(t, dir, map[string]string{"MAILZONE_NOW": "2027-03-05T06:00:00Z"}, "plan", "--offline", "--detailed-exitcode")
	if r.code != 0 || !strings.Contains(r.stdout, "held at p=quarantine: no DMARC evidence was given") {
		t.Fatalf("held without evidence: %s", r)
	}

	// The reports of the gated month: contoso.com has a source failing
	// both SPF and DKIM; fabrikam.co.uk passes.
	reports := filepath.Join(dir, "reports")
	os.MkdirAll(reports, 0o755)
	writeFile(t, filepath.Join(reports, "google.com!contoso.com!1803859200!1803945599.xml"), aggregateReport("google.com", "1001", "contoso.com",
		[4]string{"40.107.22.54", "3920", "pass", "pass"}, [4]string{"203.0.113.7", "290", "fail", "fail"}))
	writeFile(t, filepath.Join(reports, "google.com!fabrikam.co.uk!1803859200!1803945599.xml"), aggregateReport("google.com", "1002", "fabrikam.co.uk",
		[4]string{"149.72.123.24", "12850", "pass", "pass"}, [4]string{"198.51.100.9", "40", "fail", "fail"}))
	r = runRaw(t, dir, map[string]string{"MAILZONE_NOW": "2027-03-05T06:00:00Z"}, "dmarc", "reports", "--since", "30d", "--out", "summary.json", "reports")
	if r.code != 0 || !strings.Contains(r.stdout, "2 report(s) counted") {
		t.Fatalf("dmarc reports: %s", r)
	}
	r = step("2027-03-05T06:00:00Z", "--dmarc-evidence", "summary.json")
	if !strings.Contains(r.stdout, "held at p=quarantine: 93.1% of 4,210 messages pass, 98% required; 203.0.113.7 fails SPF and DKIM for 290") ||
		!strings.Contains(dmarcOf("fabrikam.co.uk"), `"v=DMARC1; p=reject; rua=mailto:dmarc-reports@mailgate.example.net"`) ||
		!strings.Contains(dmarcOf("contoso.com"), "p=quarantine;") {
		t.Fatalf("with evidence:\n%s\ncontoso: %s\nfabrikam: %s", r.stdout, dmarcOf("contoso.com"), dmarcOf("fabrikam.co.uk"))
	}
	// The JSON plan carries the same, for dashboards; defaults.dmarc_evidence
	// is read as the flag is.
	cfgText, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), strings.Replace(string(cfgText), "  resolver: \"127.0.0.1:1\"\n", "  resolver: \"127.0.0.1:1\"\n  dmarc_evidence: summary.json\n", 1))
	r = runRaw(t, dir, map[string]string{"MAILZONE_NOW": "2027-03-05T06:00:00Z"}, "plan", "--offline", "--format", "json")
	var doc struct {
		Rollouts []struct {
			Domain, Policy, Held string
			Stage                int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Rollouts) != 2 {
		t.Fatalf("plan json: %v\n%s", err, r)
	}
	if d := doc.Rollouts[0]; d.Domain != "contoso.com" || d.Stage != 3 || !strings.HasPrefix(d.Held, "held at p=quarantine: 93.1%") {
		t.Errorf("contoso.com in JSON: %+v", d)
	}
	if d := doc.Rollouts[1]; d.Domain != "fabrikam.co.uk" || d.Stage != 0 || d.Policy != "reject" {
		t.Errorf("fabrikam.co.uk in JSON: %+v", d)
	}
	// A missing evidence file is an error before anything is read.
	r = runRaw(t, dir, nil, "plan", "--offline", "--dmarc-evidence", "nope.json")
	if r.code != 1 || !strings.Contains(r.stderr, "DMARC evidence: open nope.json") {
		t.Errorf("missing evidence: %s", r)
	}
}
