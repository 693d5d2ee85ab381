package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestReportAuthorization spans two zones on two providers: customers'
// zone files send DMARC reports to the MSP's domain, whose zone is at
// Cloudflare. apply publishes an authorization for each customer in the
// MSP's zone beside a dashboard-made one for a customer outside the file;
// a customer that moves its reports elsewhere loses its record; in wildcard
// mode one record stands for all; the record outside the file is never
// touched.
func TestReportAuthorization(t *testing.T) {
	dir := t.TempDir()
	zones := filepath.Join(dir, "zones")
	os.MkdirAll(zones, 0o755)
	for _, z := range []string{"contoso.com", "fabrikam.co.uk"} {
		writeFile(t, filepath.Join(zones, z+".zone"), fmt.Sprintf("$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026120101 7200 3600 1209600 300\n@ IN NS ns1.dnshost.example.net.\n", z))
	}
	cf := fakecf.New(t)
	cf.AddZone("mailgate.example.net")
	// Published by hand in the dashboard for a customer mailzone does not manage.
	cf.AddRecord("mailgate.example.net", fakecf.Record{Name: "tailspin-toys.com._report._dmarc.mailgate.example.net", Type: "TXT", Content: "v=DMARC1", TTL: 1})
	config := func(fabrikamRUA, mode string) {
		writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  files: {type: zonefile, directory: zones}                                 # the customers' zones
  msp: {type: cloudflare, api_token: "${CF_TOKEN}", endpoint: "${CF_ENDPOINT}"}   # the MSP's own
defaults: {provider: files, resolver: "127.0.0.1:1", report_authorization: %s}
profiles:
  msp-policy:
    dmarc: {policy: none, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
domains:
  mailgate.example.net:
    provider: msp
    dmarc: {policy: reject, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
  contoso.com: {profile: msp-policy}
  fabrikam.co.uk:
    profile: msp-policy
    dmarc: {rua: [%q]}
`, mode, fabrikamRUA))
	}
	vars := map[string]string{"CF_TOKEN": fakecf.Token, "CF_ENDPOINT": cf.URL()}
	auth := func() []string {
		var out []string
		for _, r := range cf.Records("mailgate.example.net") {
			if strings.Contains(r.Name, "._report._dmarc.") {
				out = append(out, r.Name+" "+strings.Trim(r.Content, `"`)) // the API quotes TXT content; the dashboard may not
			}
		}
		sort.Strings(out)
		return out
	}
	apply := func(what string) {
		t.Helper()
		if r := run(t, dir, vars, "apply", "--yes"); r.code != 0 {
			t.Fatalf("%s: %s", what, r)
		}
	}

	config("mailto:dmarc-reports@mailgate.example.net", "per-domain")
	r := run(t, dir, vars, "plan")
	if !strings.Contains(r.stdout, "+ TXT contoso.com._report._dmarc.mailgate.example.net.  # report_auth") {
		t.Fatalf("plan: %s", r)
	}
	apply("first apply")
	want := []string{
		"contoso.com._report._dmarc.mailgate.example.net v=DMARC1",
		"fabrikam.co.uk._report._dmarc.mailgate.example.net v=DMARC1",
		"tailspin-toys.com._report._dmarc.mailgate.example.net v=DMARC1",
	}
	if got := auth(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after apply:\n%s", strings.Join(got, "\n"))
	}

	// fabrikam.co.uk takes its reports home: its authorization goes.
	config("mailto:dmarc@fabrikam.co.uk", "per-domain")
	apply("rua moved")
	if got := auth(); len(got) != 2 || strings.Contains(strings.Join(got, " "), "fabrikam") {
		t.Fatalf("after fabrikam.co.uk moved its reports:\n%s", strings.Join(got, "\n"))
	}

	// Wildcard: one record for all; the per-domain one of the file goes,
	// the dashboard's stays.
	config("mailto:dmarc-reports@mailgate.example.net", "wildcard")
	apply("wildcard")
	want = []string{
		"*._report._dmarc.mailgate.example.net v=DMARC1",
		"tailspin-toys.com._report._dmarc.mailgate.example.net v=DMARC1",
	}
	if got := auth(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("wildcard:\n%s", strings.Join(got, "\n"))
	}
	if r := run(t, dir, vars, "plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after apply: %s", r)
	}
}
