package plan

import (
	"bytes"

	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailzone/mailzone/escape"

	"github.com/mailzone/mailzone/rrset"
)

// fleetPlan is the plan of a one-line profile edit over n domains: every
// domain's SPF include and DMARC rua change the same way, and every domain
// gets its own new DKIM key.
func fleetPlan(n int) *Plan {
	p := &Plan{FormatVersion: FormatVersion, Config: "mailzone.yaml"}
	key := "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + strings.Repeat("q", 330) + "IDAQAB"
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("customer%05d-northwind-traders.com", i)
		apex := d + "."
		z := &Zone{Zone: d, Provider: "cf", Domains: []string{d}, Read: []Fingerprint{}}
		z.Changes = []Change{
			{Domain: d, Field: "spf", Action: rrset.Update, Edit: rrset.Edit{
				Old:  rrset.New(".", apex, "TXT", 3600, "v=spf1 include:_spf.mailgate-eu.example.net include:spf.protection.outlook.com -all"),
				New:  rrset.New(".", apex, "TXT", 3600, "v=spf1 include:_spf.mailgate.example.net include:spf.protection.outlook.com -all"),
				Keep: rrset.New(".", apex, "TXT", 3600, fmt.Sprintf("google-site-verification=%040d", i)),
			}},
			{Domain: d, Field: "dkim.mz202612", Action: rrset.Create, Edit: rrset.Edit{
				Old: rrset.RRset{Name: "mz202612._domainkey." + apex, Type: "TXT"},
				New: rrset.New(".", "mz202612._domainkey."+apex, "TXT", 3600, key[:len(key)-10]+fmt.Sprintf("%05d", i)+"AQAB"),
			}},
			{Domain: d, Field: "dmarc", Action: rrset.Update, Edit: rrset.Edit{
				Old: rrset.New(".", "_dmarc."+apex, "TXT", 3600, "v=DMARC1; p=none; rua=mailto:dmarc@mailgate.example.net"),
				New: rrset.New(".", "_dmarc."+apex, "TXT", 3600, "v=DMARC1; p=quarantine; rua=mailto:dmarc@mailgate.example.net"),
			}},
		}
		p.Zones = append(p.Zones, z)
	}
	return p
}

// TestMarkdownFitsComment renders the plan of a profile edit over 300, 1,000
// and 10,000 domains under GitHub's comment limit: it fits, the shared
// changes are grouped with their domain count, and what was left out is said.
func TestMarkdownFitsComment(t *testing.T) {
	const githubLimit = 65536
	for _, n := range []int{300, 1000, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := fleetPlan(n)
			var b bytes.Buffer
			if err := Markdown(&b, p, MarkdownOptions{Limit: 60000, Warnings: []string{"mailzone.yaml:9:5: warning: profiles.standard.dmarc.pct: removed by RFC 9989"}}); err != nil {
				t.Fatal(err)
			}
			md := b.String()
			if n := utf8.RuneCountInString(md); n > githubLimit {
				t.Fatalf("%d characters, over GitHub's %d", n, githubLimit)
			}
			for _, want := range []string{
				MarkdownMarker + "\n",
				fmt.Sprintf("**Plan:** 0 to add, %d to change, 0 to delete.", 2*n) + "",
				fmt.Sprintf("- **%d domains** · ~ TXT `spf`: `\"v=spf1 include:_spf.mailgate-eu.example.net include:spf.protection.outlook.com -all\"` → `\"v=spf1 include:_spf.mailgate.example.net include:spf.protection.outlook.com -all\"`; `customer00000-northwind-traders.com`, `customer00001-northwind-traders.com`", n),
				fmt.Sprintf("and %d more\n", n-5),
				fmt.Sprintf("- **%d domains** · ~ TXT `dmarc`:", n),
				"_Left out to fit: ",
				"the job log has the full plan._",
			} {
				if want == fmt.Sprintf("**Plan:** 0 to add, %d to change, 0 to delete.", 2*n) {
					want = fmt.Sprintf("**Plan:** %d to add, %d to change, 0 to delete.", n, 2*n)
				}
				if !strings.Contains(md, want) {
					t.Errorf("lacks %q", want)
				}
			}
			if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
				t.Error("unbalanced <details>")
			}
			if strings.Count(md, MarkdownMarker) != 1 {
				t.Error("the marker appears more than once")
			}
			t.Logf("%d domains: %d bytes", n, len(md))
		})
	}
}

// TestMarkdownHostile renders values no validation should let through, as if
// one did: provider names, fields, errors, unmanaged notes and TXT values
// with newlines, "::", backtick runs, HTML, the marker, @mentions, links and
// %0A. The golden file holds the exact bytes; the checks say why.
func TestMarkdownHostile(t *testing.T) {
	evil := "x``` ![t](https://t.example/p.gif) </details> <!-- mailzone-plan --> @octocat\n::stop-commands::pwned %0A"
	d := "contoso.com"
	p := &Plan{FormatVersion: FormatVersion, Config: "mailzone.yaml",
		Excluded: []Excluded{{Domain: "fabrikam.com", Reasons: []string{"rua " + evil}}}}
	p.Zones = []*Zone{
		{Zone: d, Provider: evil, Domains: []string{d}, Read: []Fingerprint{},
			Changes: []Change{{Domain: d, Field: "bimi", Action: rrset.Create, Edit: rrset.Edit{
				Old: rrset.RRset{Name: "default._bimi." + d + ".", Type: "TXT"},
				New: rrset.New(".", "default._bimi."+d+".", "TXT", 3600, "v=BIMI1; l="+evil),
			}}},
			Unmanaged: []Unmanaged{{Domain: d, Name: "crm._domainkey." + d + ".", Type: "TXT", Why: evil}}},
		{Zone: "broken.example", Provider: "cf", Domains: []string{"broken.example"}, Error: evil},
	}
	var b bytes.Buffer
	if err := Markdown(&b, p, MarkdownOptions{Warnings: []string{evil}}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	golden(t, "plan-hostile.md", b.Bytes())
	if strings.Count(md, MarkdownMarker) != 1 || !strings.HasPrefix(md, MarkdownMarker) {
		t.Error("the marker can be spoofed")
	}
	live := escape.Live(strings.TrimPrefix(md, MarkdownMarker))
	if strings.Count(live, "</details>") != strings.Count(live, "<details>") {
		t.Error("a value closed <details>")
	}
	for _, bad := range []string{"![t](", " @octocat", "\n::stop-commands", "https://t.example", "<!--"} {
		if strings.Contains(live, bad) {
			t.Errorf("live markdown from a value: %q", bad)
		}
	}
}
