package flatten

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/flatten/flattentest"
	"github.com/mailzone/mailzone/lint"
	_ "github.com/mailzone/mailzone/providers/manual"
	"github.com/mailzone/mailzone/schema"
)

// resolverOf resolves through u.
func resolverOf(t testing.TB, u *flattentest.Upstream) *Resolver {
	t.Helper()
	r, err := lint.NewResolver(u.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return NewResolver(r)
}

// vendors are SPF trees as ESPs publish them: a nested include, a/mx terms
// with prefix lengths, IPv6, a redirect, and the ones that cannot be
// flattened.
const vendors = `
_spf.mailgate.example.net.      TXT "v=spf1 ip4:192.0.2.0/24 include:_netblocks.mailgate.example.net -all"
_netblocks.mailgate.example.net. TXT "v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.7 ip6:2001:db8:1::/48 ~all"
spf.esp.example.                TXT "v=spf1 a:out.esp.example/28 mx:esp.example -all"
out.esp.example.                A   203.0.113.16
esp.example.                    MX  10 mx1.esp.example.
mx1.esp.example.                A   203.0.113.40
mx1.esp.example.                AAAA 2001:db8:40::25
_spf.redirect.example.          TXT "v=spf1 redirect=_spf.mailgate.example.net"
_spf.macro.example.             TXT "v=spf1 exists:%{i}._ip.macro.example -all"
_spf.ptr.example.               TXT "v=spf1 ptr:esp.example -all"
_spf.open.example.              TXT "v=spf1 +all"
_spf.soft.example.              TXT "v=spf1 ~ip4:192.0.2.1 -all"
_spf.dangling.example.          TXT "v=spf1 redirect=_spf.gone.example"
_spf.loop.example.              TXT "v=spf1 include:_spf.loop.example -all"
_spf.broken.example.            TXT "v=spf1 include:_netblocks.broken.example -all"
`

func domain(t testing.TB, spf string) *schema.Domain {
	t.Helper()
	cfg, err := schema.Parse("mailzone.yaml", []byte(`version: 1
providers:
  p: {type: manual}
defaults: {provider: p}
domains:
  contoso.com:
    spf: `+spf+`
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Domain("contoso.com")
}

func TestBuild(t *testing.T) {
	u := flattentest.New(t, vendors)
	u.Break("_netblocks.broken.example.", dns.RcodeServerFailure)
	for _, c := range []struct {
		name, spf string
		record    string
		err       string
	}{
		{"nested include with IPv6", `{include: [_spf.mailgate.example.net, spf.protection.outlook.com], flatten: [_spf.mailgate.example.net]}`,
			"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 include:spf.protection.outlook.com -all", ""},
		{"a and mx with prefix lengths", `{include: [spf.esp.example], flatten: [spf.esp.example], ip4: [192.0.2.200]}`,
			"v=spf1 ip4:192.0.2.200 ip4:203.0.113.16/28 ip4:203.0.113.40 ip6:2001:db8:40::25 -all", ""},
		{"redirect followed", `{include: [_spf.redirect.example], flatten: [_spf.redirect.example]}`,
			"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 -all", ""},
		{"macro", `{include: [_spf.macro.example], flatten: [_spf.macro.example]}`, "", "depends on the sender (a macro)"},
		{"ptr", `{include: [_spf.ptr.example], flatten: [_spf.ptr.example]}`, "", `"ptr:esp.example" depends on the sender`},
		{"+all", `{include: [_spf.open.example], flatten: [_spf.open.example]}`, "", "authorizes every address"},
		{"qualified ip", `{include: [_spf.soft.example], flatten: [_spf.soft.example]}`, "", "qualifier"},
		{"redirect to nothing", `{include: [_spf.dangling.example], flatten: [_spf.dangling.example]}`, "", "redirect=_spf.gone.example"},
		{"loop", `{include: [_spf.loop.example], flatten: [_spf.loop.example]}`, "", "includes itself"},
		{"SERVFAIL deep in the tree", `{include: [_spf.broken.example], flatten: [_spf.broken.example]}`, "", "_netblocks.broken.example: TXT lookup failed"},
		{"no such include", `{include: [_spf.nowhere.example], flatten: [_spf.nowhere.example]}`, "", "has no SPF record (NXDOMAIN)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Build(context.Background(), resolverOf(t, u), domain(t, c.spf))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Record != c.record || len(res.Chain) != 0 {
				t.Errorf("record %q chain %q\nwant %q", res.Record, res.Chain, c.record)
			}
		})
	}
}

// TestChain: a vendor with more netblocks than one record holds is
// published as chained _spf<N> records, each under 450 bytes, that
// together authorize exactly the vendor's addresses.
func TestChain(t *testing.T) {
	var big strings.Builder
	big.WriteString(`_spf.bigvendor.example. TXT "v=spf1 include:_a.bigvendor.example include:_b.bigvendor.example -all"` + "\n")
	for _, part := range []string{"a", "b"} {
		fmt.Fprintf(&big, "_%s.bigvendor.example. TXT \"v=spf1", part)
		for i := range 30 {
			third := i
			if part == "b" {
				third += 100
			}
			fmt.Fprintf(&big, " ip4:10.%d.%d.0/24", 20, third)
		}
		big.WriteString(" -all\"\n")
	}
	u := flattentest.New(t, big.String())
	res, err := Build(context.Background(), resolverOf(t, u), domain(t, `{include: [_spf.bigvendor.example, spf.protection.outlook.com], flatten: [_spf.bigvendor.example]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Chain) < 2 || res.Record != "v=spf1 include:spf.protection.outlook.com include:_spf1.contoso.com include:_spf2.contoso.com"+strings.Repeat(" include:_spf3.contoso.com", len(res.Chain)-2)+" -all" {
		t.Fatalf("record %q, %d chained", res.Record, len(res.Chain))
	}
	n := 0
	for _, c := range res.Chain {
		if len(c) > MaxRecord || strings.Contains(c, "all") {
			t.Errorf("chained record of %d bytes: %q", len(c), c)
		}
		n += strings.Count(c, "ip4:")
	}
	if n != 60 || res.Lookups != len(res.Chain)+1 {
		t.Errorf("%d netblocks chained, %d lookups", n, res.Lookups)
	}
}

// TestUpstreamChange: the next resolution sees the vendor's new range; the
// zone is the only cache.
func TestUpstreamChange(t *testing.T) {
	u := flattentest.New(t, vendors)
	d := domain(t, `{include: [_spf.mailgate.example.net], flatten: [_spf.mailgate.example.net]}`)
	before, err := Build(context.Background(), resolverOf(t, u), d)
	if err != nil {
		t.Fatal(err)
	}
	u.Set(t, `_netblocks.mailgate.example.net. TXT "v=spf1 ip4:198.51.100.0/25 ip4:203.0.113.128/25 ip6:2001:db8:1::/48 ~all"`)
	after, err := Build(context.Background(), resolverOf(t, u), d)
	if err != nil {
		t.Fatal(err)
	}
	if before.Record == after.Record || !strings.Contains(after.Record, "ip4:203.0.113.128/25") {
		t.Errorf("before %q\nafter %q", before.Record, after.Record)
	}
}

// TestThousandDomainsShareLookups flattens 1,000 domains that share three
// vendor includes: each DNS question is asked once for the whole fleet.
func TestThousandDomainsShareLookups(t *testing.T) {
	u := flattentest.New(t, vendors)
	r := resolverOf(t, u)
	var y strings.Builder
	y.WriteString("version: 1\nproviders:\n  p: {type: manual}\ndefaults: {provider: p}\nprofiles:\n  msp:\n    spf: {include: [_spf.mailgate.example.net, spf.esp.example, _spf.redirect.example], flatten: [_spf.mailgate.example.net, spf.esp.example, _spf.redirect.example]}\ndomains:\n")
	for i := range 1000 {
		fmt.Fprintf(&y, "  customer%04d.example: {profile: msp}\n", i)
	}
	cfg, err := schema.Parse("mailzone.yaml", []byte(y.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	results, refused := Apply(context.Background(), r, cfg.Domains)
	took := time.Since(start)
	if len(results) != 1000 || len(refused) != 0 {
		t.Fatalf("%d flattened, refused %v", len(results), refused)
	}
	// The tree: 4 SPF TXT records, A of out.esp.example, MX of esp.example,
	// A and AAAA of mx1.esp.example, AAAA of out.esp.example: 9 questions.
	if q := u.Queries.Load(); q != 9 {
		t.Errorf("%d DNS queries for 1,000 domains, want one set of 9", q)
	}
	t.Logf("flattened 1,000 domains sharing 3 includes: %d DNS queries, %v", u.Queries.Load(), took.Round(time.Millisecond))
	if !cfg.Domains[999].SPFFlattened || cfg.Domains[999].SPF.Text != results[0].Record {
		t.Error("the domains' SPF records were not set")
	}
}

func TestMinimalAndCovers(t *testing.T) {
	p := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	got := Minimal([]netip.Prefix{p("198.51.100.7/32"), p("198.51.100.0/25"), p("192.0.2.0/24"), p("192.0.2.0/24"), p("2001:db8::/32"), p("2001:db8:1::/48")})
	want := "[192.0.2.0/24 198.51.100.0/25 2001:db8::/32]"
	if fmt.Sprint(got) != want {
		t.Errorf("Minimal = %v, want %s", got, want)
	}
	if !Covers(got, []netip.Prefix{p("198.51.100.7/32"), p("2001:db8:1::/48")}) || Covers(got, []netip.Prefix{p("198.51.100.128/32")}) {
		t.Error("Covers is wrong")
	}
}
