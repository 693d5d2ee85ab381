package lint

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

const spfZone = `
$ORIGIN example.
$TTL 300
_spf.esp         TXT "v=spf1 include:a.esp.example ip4:192.0.2.0/24 -all"
a.esp            TXT "v=spf1 ip4:198.51.100.0/24 -all"
other            TXT "v=spf1 a mx include:third.example -all"
other            A   192.0.2.10
other            MX  10 mail.other.example.
mail.other       A   192.0.2.11
third            TXT "v=spf1 ip4:203.0.113.0/24 -all"
ten              TXT "v=spf1 a a a a a a a a a a -all"
ten              A   192.0.2.12
nine             TXT "v=spf1 a a a a a a a a a -all"
nine             A   192.0.2.12
v4only1          A   192.0.2.13
v4only2          A   192.0.2.14
v4only3          A   192.0.2.15
nospf            TXT "google-site-verification=abc"
two              TXT "v=spf1 -all"
two              TXT "v=spf1 ip4:192.0.2.1 -all"
loop1            TXT "v=spf1 include:loop2.example -all"
loop2            TXT "v=spf1 include:loop1.example -all"
self             TXT "v=spf1 ip4:192.0.2.1 redirect=self.example"
y                TXT "v=spf1 include:third.example -all"
manymx           MX  0 m0.example.
manymx           MX  1 m1.example.
manymx           MX  2 m2.example.
manymx           MX  3 m3.example.
manymx           MX  4 m4.example.
manymx           MX  5 m5.example.
manymx           MX  6 m6.example.
manymx           MX  7 m7.example.
manymx           MX  8 m8.example.
manymx           MX  9 m9.example.
manymx           MX  10 m10.example.
tenmx            MX  0 m0.example.
tenmx            MX  1 m1.example.
tenmx            MX  2 m2.example.
tenmx            MX  3 m3.example.
tenmx            MX  4 m4.example.
tenmx            MX  5 m5.example.
tenmx            MX  6 m6.example.
tenmx            MX  7 m7.example.
tenmx            MX  8 m8.example.
tenmx            MX  9 m9.example.
bad              TXT "v=spf1 foo:bar -all"
twice            TXT "v=spf1 redirect=third.example redirect=y.example"
long             TXT "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip4:192.0.2.3 ip4:192.0.2.4 ip4:192.0.2.5 ip4:192.0.2.6 ip4:192.0.2.7 ip4:192.0.2.8 ip4:192.0.2.9 ip4:192.0.2.10 ip4:192.0.2.11 ip4:192.0.2.12 ip4:192.0.2.13 ip4:192.0.2.14 ip4:192.0.2.15 ip4:192.0.2.16 ip4:192.0.2.17 ip4:192.0.2.18 ip4:192.0.2.19 ip4:192.0.2.20 " "ip4:192.0.2.21 ip4:192.0.2.22 ip4:192.0.2.23 ip4:192.0.2.24 ip4:192.0.2.25 ip4:192.0.2.26 ip4:192.0.2.27 ip4:192.0.2.28 ip4:192.0.2.29 ip4:192.0.2.30 -all"
customer         A   192.0.2.20
`

func problemLines(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %s: %s", p.Severity, p.Code, p.Msg))
	}
	return out
}

func TestSPF(t *testing.T) {
	srv := newTestDNS(t, spfZone)
	srv.failName("servfail.example.", 2)
	tests := []struct {
		record string
		want   []string
	}{
		{"v=spf1 include:_spf.esp.example include:other.example -all", nil},
		{"v=spf1 include:ten.example a -all", []string{
			"warning spf-void-limit: for IPv6 senders \"a\" at ten.example is void lookup 3 (no AAAA record); more than 2 make receivers return permerror (RFC 7208 §4.6.4)",
			"error spf-lookup-limit: the SPF tree needs 12 DNS lookups; the limit is 10 (RFC 7208 §4.6.4), and \"a\" at ten.example is lookup 11, so senders matched there or later get permerror; flatten or remove includes",
		}},
		{"v=spf1 include:nine.example a -all", []string{
			"warning spf-void-limit: for IPv6 senders \"a\" at nine.example is void lookup 3 (no AAAA record); more than 2 make receivers return permerror (RFC 7208 §4.6.4)",
			"error spf-lookup-limit: the SPF tree needs 11 DNS lookups; the limit is 10 (RFC 7208 §4.6.4), and \"a\" at customer.example is lookup 11, so senders matched there or later get permerror; flatten or remove includes",
		}},
		{"v=spf1 a:nx1.example a:nx2.example a:nx3.example -all", []string{
			"error spf-void-limit: \"a:nx3.example\" at customer.example is void lookup 3 (NXDOMAIN or NODATA); more than 2 make receivers return permerror (RFC 7208 §4.6.4); remove terms for names that do not exist",
		}},
		{"v=spf1 a:nx1.example a:nx2.example -all", nil},
		{"v=spf1 a:v4only1.example a:v4only2.example a:v4only3.example -all", []string{
			"warning spf-void-limit: for IPv6 senders \"a:v4only3.example\" at customer.example is void lookup 3 (no AAAA record); more than 2 make receivers return permerror (RFC 7208 §4.6.4)",
		}},
		{"v=spf1 include:nospf.example include:nx.example include:two.example -all", []string{
			"error spf-no-record: \"include:nospf.example\" at customer.example: nospf.example has no SPF record (no v=spf1 TXT record), so receivers return permerror (RFC 7208 §5.2, §6.1)",
			"error spf-no-record: \"include:nx.example\" at customer.example: nx.example has no SPF record (NXDOMAIN), so receivers return permerror (RFC 7208 §5.2, §6.1)",
			"error spf-multiple: \"include:two.example\" at customer.example: two.example has 2 SPF records (\"v=spf1 -all\", \"v=spf1 ip4:192.0.2.1 -all\"); RFC 7208 §4.5 makes that a permerror",
		}},
		{"v=spf1 include:loop1.example -all", []string{
			"error spf-loop: \"include:loop1.example\" at loop2.example leads back to loop1.example (customer.example → loop1.example → loop2.example → loop1.example), a loop that receivers end with permerror",
		}},
		{"v=spf1 redirect=self.example", []string{
			"error spf-loop: \"redirect=self.example\" at self.example leads back to self.example (customer.example → self.example → self.example), a loop that receivers end with permerror",
		}},
		{"v=spf1 include:third.example include:y.example -all", []string{
			"warning spf-duplicate: third.example is included 2 times in the SPF tree and its lookups are counted each time; include it once",
		}},
		{"v=spf1 mx:manymx.example mx:tenmx.example -all", []string{
			"error spf-mx-limit: \"mx:manymx.example\" at customer.example: manymx.example has 11 MX records; more than 10 makes the mx mechanism a permerror (RFC 7208 §4.6.4)",
		}},
		{"v=spf1 include:bad.example include:twice.example -all", []string{
			"error spf-syntax: the SPF record at bad.example does not parse, so receivers return permerror: term \"foo:bar\": unknown mechanism \"foo\"; use all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier",
			"error spf-syntax: the SPF record at twice.example has redirect more than once, so receivers return permerror (RFC 7208 §6)",
		}},
		{"v=spf1 include:long.example exists:%{i}._spf.example include:%{d}.x.example -all", []string{
			"warning spf-too-long: the SPF record at long.example is 452 bytes; keep it to 450 or fewer so the answer fits in 512 bytes (RFC 7208 §3.4)",
			"note spf-macro: \"exists:%{i}._spf.example\" at customer.example depends on the sender (macro), so its lookups were not checked",
			"note spf-macro: \"include:%{d}.x.example\" at customer.example depends on the sender (macro), so its lookups were not checked",
		}},
		{"v=spf1 include:servfail.example -all", []string{
			"error spf-lookup-failed: \"include:servfail.example\" at customer.example: lookup failed: TXT servfail.example.: SERVFAIL (receivers return temperror)",
		}},
		{"v=spf1 -all redirect=nx.example", nil},
		{"v=spf1 a:mail.example...com a/24 -all", []string{
			"error spf-syntax: \"a:mail.example...com\" at customer.example names \"mail.example...com\", which is not a valid domain name (empty label); receivers treat the term as no match or as permerror (RFC 7208 §4.3, §4.8)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.record, func(t *testing.T) {
			res := SPF(context.Background(), srv.resolver(t), "customer.example", tt.record)
			got := problemLines(res.Problems)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s\ntree:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"), res.Tree.Render())
			}
		})
	}
}

func TestSPFTree(t *testing.T) {
	srv := newTestDNS(t, spfZone)
	res := SPF(context.Background(), srv.resolver(t), "customer.example", "v=spf1 include:_spf.esp.example include:other.example -all")
	want := `v=spf1 include:_spf.esp.example include:other.example -all                 own 2  total 6
├─ _spf.esp.example   v=spf1 include:a.esp.example ip4:192.0.2.0/24 -all   own 1  total 3
│  └─ a.esp.example   v=spf1 ip4:198.51.100.0/24 -all                      own 0  total 3
└─ other.example   v=spf1 a mx include:third.example -all                  own 3  total 6
   └─ third.example   v=spf1 ip4:203.0.113.0/24 -all                       own 0  total 6
`
	if got := res.Tree.Render(); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	// other.example has no AAAA: "a" there is void for IPv6 senders.
	if res.Lookups != 6 || res.VoidLookups4 != 0 || res.VoidLookups6 != 1 {
		t.Errorf("lookups %d, void %d/%d; want 6, 0/1", res.Lookups, res.VoidLookups4, res.VoidLookups6)
	}
	loop := SPF(context.Background(), srv.resolver(t), "customer.example", "v=spf1 include:loop1.example include:nx.example redirect=x.example")
	want = `v=spf1 include:loop1.example include:nx.example redirect=x.example   own 3  total 5
├─ loop1.example   v=spf1 include:loop2.example -all                 own 1  total 4
│  └─ loop2.example   v=spf1 include:loop1.example -all              own 1  total 5
│     └─ loop1.example   (loop)
├─ nx.example   (NXDOMAIN)
└─ redirect=x.example   (NXDOMAIN)
`
	if got := loop.Tree.Render(); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestPublishedSPF(t *testing.T) {
	srv := newTestDNS(t, spfZone)
	tests := []struct {
		domain string
		want   []string
	}{
		{"third.example", nil},
		{"customer.example", []string{"note spf-not-published: customer.example publishes no SPF record (NODATA)"}},
		{"nx.example", []string{"note spf-not-published: nx.example publishes no SPF record (NXDOMAIN)"}},
		{"two.example", []string{`error spf-multiple: two.example: 2 SPF records ("v=spf1 -all", "v=spf1 ip4:192.0.2.1 -all"); RFC 7208 §4.5 makes that a permerror`}},
	}
	for _, tt := range tests {
		res := PublishedSPF(context.Background(), srv.resolver(t), tt.domain)
		if got := problemLines(res.Problems); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.domain, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}
