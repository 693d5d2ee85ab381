package lint

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/schema"
)

func findingLines(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Field, f.Code, f.Msg))
	}
	return out
}

func checkLines(t *testing.T, what string, got []Finding, want []string) {
	t.Helper()
	g := findingLines(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(g, "\n"), strings.Join(want, "\n"))
	}
}

const mxZone = `
$ORIGIN example.
$TTL 300
mx.good            A     192.0.2.1
mx.good            AAAA  2001:db8::1
1.2.0.192.in-addr.arpa.  PTR  mx.good.example.
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mx.good.example.
alias              CNAME mx.good.example.
noptr              A     192.0.2.2
mismatch           A     192.0.2.3
3.2.0.192.in-addr.arpa.  PTR  elsewhere.example.
elsewhere          A     192.0.2.99
mixed              MX    0 .
mixed              MX    10 mx.good.example.
`

func TestMX(t *testing.T) {
	srv := newTestDNS(t, mxZone)
	tests := []struct {
		name, host string
		want       []string
	}{
		{"good", "mx.good.example.", nil},
		{"cname", "alias.example.", []string{
			"error mx mx-cname: MX target alias.example. is an alias (CNAME to mx.good.example.); an MX must name the host itself (RFC 2181 §10.3, RFC 5321 §5.1); use mx.good.example.",
		}},
		{"no address", "nx.example.", []string{
			"error mx mx-no-address: MX target nx.example. has no A or AAAA record (A NXDOMAIN, AAAA NXDOMAIN), so mail to d.example cannot be delivered",
		}},
		{"ip literal", "192.0.2.1", []string{
			"error mx mx-ip-literal: MX target 192.0.2.1 is an IP address; an MX names a host (RFC 7505 §3, RFC 5321 §5.1)",
		}},
		{"no ptr", "noptr.example.", []string{
			"warning mx mx-no-ptr: 192.0.2.2 (address of noptr.example.) has no PTR record (NXDOMAIN); receivers and senders that check forward-confirmed reverse DNS distrust it",
		}},
		{"fcrdns", "mismatch.example.", []string{
			"warning mx mx-fcrdns: 192.0.2.3 (address of mismatch.example.) has PTR elsewhere.example., which does not resolve back to 192.0.2.3; forward-confirmed reverse DNS fails",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &schema.Domain{Name: "d.example", MX: &schema.MX{Host: tt.host, Preference: 10}}
			checkLines(t, tt.host, checkMX(context.Background(), srv.resolver(t), d), tt.want)
		})
	}
	t.Run("null MX", func(t *testing.T) {
		d := &schema.Domain{Name: "mixed.example", Parked: true, MX: &schema.MX{Host: "."}}
		checkLines(t, "mixed", checkMX(context.Background(), srv.resolver(t), d), []string{
			"warning mx mx-null-mixed: published MX set has a null MX (RFC 7505) beside 1 other records; a null MX must stand alone",
		})
	})
}

// dmarcZone serves OpenDMARC's test zone as reports.example, a report
// destination whose *._report._dmarc wildcard authorizes every domain.
func dmarcZone(t *testing.T) string {
	t.Helper()
	inc, err := os.ReadFile("testdata/opendmarc-test-dns.zone.inc")
	if err != nil {
		t.Fatal(err)
	}
	return "$ORIGIN reports.example.\n$TTL 300\n" + string(inc) + `
$ORIGIN example.
customer         MX   10 mx.customer.example.
nullmx           MX   0 .
noauth           MX   10 mx.customer.example.
d.example._report._dmarc.txtonly TXT "v=spf1 -all"
txtonly          MX   10 mx.customer.example.
`
}

func TestDMARCReports(t *testing.T) {
	srv := newTestDNS(t, dmarcZone(t))
	tests := []struct {
		name, domain, record string
		want                 []string
	}{
		{"authorized by the wildcard", "d.example", "v=DMARC1; p=reject; rua=mailto:dmarc@reports.example", nil},
		{"own organizational domain", "mail.customer.example", "v=DMARC1; p=reject; rua=mailto:dmarc@customer.example", nil},
		{"same organization needs no authorization", "sub.reports.example", "v=DMARC1; p=reject; rua=mailto:d@reports.example", nil},
		{"no authorization, address only", "d.example", "v=DMARC1; p=reject; rua=mailto:dmarc@webhost.reports.example", []string{
			"error dmarc dmarc-unauthorized: rua=mailto:dmarc@webhost.reports.example: webhost.reports.example is outside d.example and has not agreed to take its reports: no v=DMARC1 TXT at d.example._report._dmarc.webhost.reports.example (NXDOMAIN), so receivers send none (RFC 7489 §7.1); ask webhost.reports.example to publish it (or *._report._dmarc.webhost.reports.example)",
			"warning dmarc dmarc-mx-fallback: rua=mailto:dmarc@webhost.reports.example: webhost.reports.example has no MX record, only an address (the RFC 5321 §5.1 fallback); publish an MX for it",
		}},
		{"a TXT that is not DMARC", "d.example", "v=DMARC1; p=reject; ruf=mailto:f@txtonly.example", []string{
			"error dmarc dmarc-unauthorized: ruf=mailto:f@txtonly.example: txtonly.example is outside d.example and has not agreed to take its reports: no v=DMARC1 TXT at d.example._report._dmarc.txtonly.example (no v=DMARC1 record there), so receivers send none (RFC 7489 §7.1); ask txtonly.example to publish it (or *._report._dmarc.txtonly.example)",
		}},
		{"null MX and nowhere", "customer.example", "v=DMARC1; p=reject; rua=mailto:a@nullmx.example,mailto:b@nx.example!10m", []string{
			"error dmarc dmarc-unauthorized: rua=mailto:a@nullmx.example: nullmx.example is outside customer.example and has not agreed to take its reports: no v=DMARC1 TXT at customer.example._report._dmarc.nullmx.example (NXDOMAIN), so receivers send none (RFC 7489 §7.1); ask nullmx.example to publish it (or *._report._dmarc.nullmx.example)",
			"error dmarc dmarc-no-mx: rua=mailto:a@nullmx.example: nullmx.example publishes a null MX (RFC 7505) and accepts no mail, so reports to it are lost",
			"error dmarc dmarc-unauthorized: rua=mailto:b@nx.example!10m: nx.example is outside customer.example and has not agreed to take its reports: no v=DMARC1 TXT at customer.example._report._dmarc.nx.example (NXDOMAIN), so receivers send none (RFC 7489 §7.1); ask nx.example to publish it (or *._report._dmarc.nx.example)",
			"error dmarc dmarc-no-mx: rua=mailto:b@nx.example!10m: nx.example has no MX and no A or AAAA record (NXDOMAIN), so reports to it cannot be delivered",
		}},
		{"three URIs", "customer.example", "v=DMARC1; p=reject; rua=mailto:a@customer.example,mailto:b@customer.example,mailto:c@reports.example", []string{
			"warning dmarc dmarc-too-many-uris: rua lists 3 URIs; receivers need only send to 2 (RFC 7489 §6.2), so the others may get nothing",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &schema.Domain{Name: tt.domain, DMARC: &schema.TXTField{Text: tt.record}}
			checkLines(t, tt.record, checkDMARC(context.Background(), srv.resolver(t), d), tt.want)
		})
	}
}

func TestOrgDomain(t *testing.T) {
	for in, want := range map[string]string{
		"example.com":             "example.com",
		"a.b.example.co.uk.":      "example.co.uk",
		"Mail.Customer.Example":   "customer.example",
		"com":                     "com",
		"foo.dmarcwalk.reports.x": "reports.x",
	} {
		if got := OrgDomain(in); got != want {
			t.Errorf("OrgDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func ed25519Record(t *testing.T, flags string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, problems := dkim.ParseKey(base64.StdEncoding.EncodeToString(pub))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return k.Record() + flags
}

func TestDKIM(t *testing.T) {
	key1, key2, esp, espTesting := ed25519Record(t, ""), ed25519Record(t, ""), ed25519Record(t, ""), ed25519Record(t, "; t=y")
	zone := fmt.Sprintf(`
$ORIGIN example.
$TTL 300
s1._domainkey.d   TXT   %q
s2._domainkey.d   TXT   %q
s4._domainkey.d   CNAME s4.esp.example.
s4.esp            TXT   %q
s5.esp            TXT   %q
s7._domainkey.d   TXT   "v=DKIM1; k=ed25519; p=AAAA"
old._domainkey.d  TXT   %q
gone._domainkey.d TXT   "v=DKIM1; p="
`, key1, key2, esp, espTesting, key1)
	srv := newTestDNS(t, zone)
	sel := func(name string, kind schema.SelectorKind, text string) schema.Selector {
		s := schema.Selector{Name: name, Kind: kind, Text: text}
		if kind == schema.CNAMESelector {
			s.Text, s.Target = "", text
		}
		return s
	}
	d := &schema.Domain{Name: "d.example", DKIM: []schema.Selector{
		sel("s1", schema.KeySelector, key1),
		sel("s2", schema.KeySelector, key1),
		sel("s3", schema.KeySelector, key1),
		sel("s4", schema.CNAMESelector, "s4.esp.example."),
		sel("s5", schema.CNAMESelector, "s5.esp.example."),
		sel("s6", schema.CNAMESelector, "s6.esp.example."),
		sel("s7", schema.KeySelector, key1),
		sel("old", schema.RevokedSelector, dkim.Revoked()),
		sel("gone", schema.RevokedSelector, dkim.Revoked()),
	}}
	checkLines(t, "dkim", checkDKIM(context.Background(), srv.resolver(t), d), []string{
		"warning dkim.s2 dkim-key-mismatch: the key published at s2._domainkey.d.example. differs from the desired key; after apply, mail signed with the old private key fails DKIM, so rotate keys by adding a new selector",
		"note dkim.s3 dkim-not-published: s3._domainkey.d.example. publishes no key yet (NXDOMAIN); apply publishes it",
		"warning dkim.s5 dkim-testing: the key at s5.esp.example. has t=y (testing): verifiers may treat failed signatures as unsigned; ask its owner to remove it",
		"error dkim.s6 dkim-target-missing: selector s6 points to s6.esp.example., which serves no DKIM key (NXDOMAIN); mail signed with this selector fails DKIM",
		"warning dkim.s7 dkim-bad-key: the key published at s7._domainkey.d.example. is not valid (Ed25519 key is 3 bytes; p= must hold the raw 32-byte key (RFC 8463)); apply replaces it",
		"warning dkim.old dkim-not-revoked: selector old is revoked in the configuration but old._domainkey.d.example. still publishes a key; apply publishes an empty p=",
	})
}
