package verify

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

const zone = "example.com."

// isSPF and isDMARC mirror schema.IsSPF and schema.IsDMARC (simplified), the
// ownership rules of the apex and _dmarc TXT records.
func isSPF(v string) bool { return v == "v=spf1" || strings.HasPrefix(strings.ToLower(v), "v=spf1 ") }
func isDMARC(v string) bool {
	return strings.HasPrefix(strings.ReplaceAll(v, " ", ""), "v=DMARC1")
}

// dkim2048 is a DKIM record of the size a 2048-bit key makes; bigKey one too big
// for a 1232-byte UDP answer (an 8192-bit key: about 1.4 kB of base64).
var (
	dkim2048 = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + strings.Repeat("q", 330)
	bigKey   = "v=DKIM1; k=rsa; p=MIIEIjANBgkqhkiG9w0BAQEFAAOCBA8AMIIECgKCBAEA" + strings.Repeat("Z", 1380)
)

func records() []Record {
	return []Record{
		{Field: "mx", Set: rrset.New(zone, "@", "MX", 300, "10 mx.example.net.")},
		{Field: "spf", Set: rrset.New(zone, "@", "TXT", 300, "v=spf1 include:_spf.example.net -all"), Owns: isSPF},
		{Field: "dkim.s1", Set: rrset.New(zone, "s1._domainkey", "TXT", 300, dkim2048)},
		{Field: "dkim.s1", Set: rrset.New(zone, "s1._domainkey", "CNAME", 300)},
		{Field: "dmarc", Set: rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=reject"), Owns: isDMARC},
	}
}

// quoted renders TXT text as zone-file character-strings.
func quoted(s string) string { return rrset.QuoteTXT(s) }

func goodRRs(t testing.TB) []dns.RR {
	return rr(t,
		"example.com. 300 IN MX 10 MX.Example.NET.",
		`example.com. 300 IN TXT "v=spf1 include:_spf.example.net -all"`,
		`example.com. 300 IN TXT "google-site-verification=abc"`,
		"s1._domainkey.example.com. 300 IN TXT "+quoted(dkim2048),
		`_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject"`,
	)
}

// fast are options for unit tests: short pauses and timeouts.
func fast(addrs ...string) Options {
	return Options{Nameservers: addrs, Resolver: "127.0.0.1:1", Timeout: 3 * time.Second,
		InitialBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, QueryTimeout: 500 * time.Millisecond}
}

func run(t *testing.T, recs []Record, o Options) *Result {
	t.Helper()
	res, err := Verify(context.Background(), zone, recs, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", res.Matrix())
	return res
}

func cellOf(res *Result, addr, field, typ string) Cell {
	for _, row := range res.Rows {
		if row.Addr != addr {
			continue
		}
		for i, r := range res.Records {
			if r.Field == field && r.Set.Type == typ {
				return row.Cells[i]
			}
		}
	}
	return Cell{State: "missing"}
}

func TestAllServersAgree(t *testing.T) {
	a := startFake(t, "127.0.0.1", "0", goodRRs(t))
	b := startFake(t, "127.0.0.1", "0", goodRRs(t))
	res := run(t, records(), fast(a.Addr, b.Addr))
	if !res.Verified || len(res.Stale) != 0 {
		t.Fatalf("not verified: %+v", res.Stale)
	}
	if !strings.Contains(res.Matrix(), "Verified: all 2 nameserver addresses") {
		t.Errorf("summary: %s", res.Summary())
	}
}

func TestStaleThenConverging(t *testing.T) {
	a := startFake(t, "127.0.0.1", "0", goodRRs(t))
	old := rr(t, "example.com. 300 IN MX 10 mx.example.net.", `example.com. 300 IN TXT "v=spf1 ~all"`,
		"s1._domainkey.example.com. 300 IN TXT "+quoted(dkim2048), `_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject"`)
	b := startFake(t, "127.0.0.1", "0", old)
	var mu sync.Mutex
	var seen []Progress
	o := fast(a.Addr, b.Addr)
	o.Progress = func(p Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }
	time.AfterFunc(600*time.Millisecond, func() { b.set(goodRRs(t)) })
	res := run(t, records(), o)
	if !res.Verified {
		t.Fatal("not verified")
	}
	c := cellOf(res, b.Addr, "spf", "TXT")
	if c.Converged < 600*time.Millisecond || c.Converged > 900*time.Millisecond {
		t.Errorf("spf on b converged after %v, want 600ms..900ms", c.Converged)
	}
	if cellOf(res, a.Addr, "spf", "TXT").Converged > 300*time.Millisecond {
		t.Errorf("spf on a converged late")
	}
	mu.Lock()
	defer mu.Unlock()
	var sawStale bool
	for _, p := range seen {
		if p.OK < p.Total && len(p.Waiting) == 1 && p.Waiting[0].Addr == b.Addr {
			sawStale = true
		}
	}
	last := seen[len(seen)-1]
	if !sawStale || last.OK != last.Total || last.Total != 10 {
		t.Errorf("progress: saw b waiting %v; last %+v", sawStale, last)
	}
}

func TestDeletedRecord(t *testing.T) {
	recs := []Record{
		{Field: "dkim.old", Set: rrset.New(zone, "old._domainkey", "TXT", 300)},
		{Field: "mta_sts", Set: rrset.New(zone, "_mta-sts", "TXT", 300)},
	}
	// a: NXDOMAIN for old._domainkey, NODATA for _mta-sts (a CNAME-less name
	// with only an A record).
	a := startFake(t, "127.0.0.1", "0", rr(t, "_mta-sts.example.com. 300 IN A 192.0.2.1"))
	res := run(t, recs, fast(a.Addr))
	if !res.Verified {
		t.Fatal("NXDOMAIN / NODATA not accepted for deleted records")
	}
	// b still serves the deleted key.
	b := startFake(t, "127.0.0.1", "0", rr(t, `old._domainkey.example.com. 300 IN TXT "v=DKIM1; p=AAAA"`))
	o := fast(a.Addr, b.Addr)
	o.Timeout = 500 * time.Millisecond
	res = run(t, recs, o)
	if res.Verified || len(res.Stale) != 1 || res.Stale[0].Addr != b.Addr {
		t.Fatalf("verified %v, stale %v", res.Verified, res.Stale)
	}
	if c := cellOf(res, b.Addr, "dkim.old", "TXT"); c.State != StateStale || c.Served != "v=DKIM1; p=AAAA" {
		t.Errorf("cell %+v", c)
	}
	if s := res.Summary(); !strings.Contains(s, b.Addr+" still serves the deleted DKIM key old after") {
		t.Errorf("summary: %s", s)
	}
}

func TestBadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(f *fake)
		want string
	}{
		{"no AA", func(f *fake) { f.aa = false }, "error: lame: answer without AA"},
		{"REFUSED", func(f *fake) { f.rcode = dns.RcodeRefused }, "error: REFUSED"},
		{"SERVFAIL", func(f *fake) { f.rcode = dns.RcodeServerFailure }, "error: SERVFAIL"},
		{"NOTAUTH", func(f *fake) { f.rcode = dns.RcodeNotAuth }, "error: NOTAUTH"},
		{"timeout", func(f *fake) { f.silent = true }, "error: timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := startFake(t, "127.0.0.1", "0", goodRRs(t))
			bad := startFake(t, "127.0.0.1", "0", goodRRs(t))
			bad.update(tc.set)
			o := fast(good.Addr, bad.Addr)
			o.Timeout, o.QueryTimeout = 700*time.Millisecond, 300*time.Millisecond
			res := run(t, records(), o)
			if res.Verified || len(res.Stale) != 1 || res.Stale[0].Addr != bad.Addr {
				t.Fatalf("verified %v, stale %v", res.Verified, res.Stale)
			}
			if got := cellOf(res, bad.Addr, "mx", "MX").text(); got != tc.want {
				t.Errorf("cell %q, want %q", got, tc.want)
			}
			if !strings.Contains(res.Summary(), bad.Addr+" fails with "+strings.TrimPrefix(tc.want, "error: ")) {
				t.Errorf("summary: %s", res.Summary())
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	port := freePort(t, "127.0.0.1")
	good := startFake(t, "127.0.0.1", "0", goodRRs(t))
	o := fast(good.Addr, "127.0.0.1:"+port)
	o.Timeout = 500 * time.Millisecond
	res := run(t, records(), o)
	if res.Verified {
		t.Fatal("verified with a dead server")
	}
	if c := cellOf(res, "127.0.0.1:"+port, "mx", "MX"); c.State != StateError || !strings.Contains(c.Err, "refused") {
		t.Errorf("cell %+v", c)
	}
}

func TestTruncatedUDPRetriedOverTCP(t *testing.T) {
	recs := []Record{{Field: "dkim.big", Set: rrset.New(zone, "big._domainkey", "TXT", 300, bigKey)}}
	f := startFake(t, "127.0.0.1", "0", rr(t, "big._domainkey.example.com. 300 IN TXT "+quoted(bigKey)))
	res := run(t, recs, fast(f.Addr))
	if !res.Verified {
		t.Fatal("big key not verified")
	}
	if f.udp.Load() != 1 || f.tcp.Load() != 1 {
		t.Errorf("queries: %d UDP, %d TCP; want 1 and 1", f.udp.Load(), f.tcp.Load())
	}
	// A server that sets TC on every UDP answer.
	f.update(func(f *fake) { f.alwaysTC = true })
	res = run(t, recs, fast(f.Addr))
	if !res.Verified || f.tcp.Load() != 2 {
		t.Errorf("always-TC server: verified %v, %d TCP queries", res.Verified, f.tcp.Load())
	}
}

func TestIgnoresValuesNotOwned(t *testing.T) {
	recs := records()[1:2] // spf
	// Only the verification token, other TXT values around the SPF: ignored.
	a := startFake(t, "127.0.0.1", "0", rr(t,
		`example.com. 300 IN TXT "google-site-verification=abc"`,
		`example.com. 300 IN TXT "v=spf1 include:_spf.example.net -all"`,
		`example.com. 300 IN TXT "MS=ms12345"`))
	if res := run(t, recs, fast(a.Addr)); !res.Verified {
		t.Fatal("non-owned TXT values not ignored")
	}
	// Without the SPF, the others do not count as served.
	a.set(rr(t, `example.com. 300 IN TXT "google-site-verification=abc"`))
	o := fast(a.Addr)
	o.Timeout = 300 * time.Millisecond
	res := run(t, recs, o)
	if c := cellOf(res, a.Addr, "spf", "TXT"); res.Verified || c.State != StateStale || c.Served != "nothing" {
		t.Errorf("verified %v, cell %+v", res.Verified, c)
	}
	if !strings.Contains(res.Summary(), "does not serve the new SPF yet") {
		t.Errorf("summary: %s", res.Summary())
	}
}

// TestDiscoveryAndTimeoutNamesStaleServer runs discovery through a fake resolver
// and names the stale nameserver when the time is up.
func TestDiscoveryAndTimeoutNamesStaleServer(t *testing.T) {
	port := freePort(t, "127.0.0.1", "127.0.0.2", "127.0.0.3")
	glue := rr(t, "example.com. 300 IN NS ns1.example.com.", "example.com. 300 IN NS ns2.example.com.",
		"ns1.example.com. 300 IN A 127.0.0.2", "ns2.example.com. 300 IN A 127.0.0.3")
	resolver := startFake(t, "127.0.0.1", port, glue)
	startFake(t, "127.0.0.2", port, append(goodRRs(t), glue...))
	stale := append(rr(t, "example.com. 300 IN MX 10 mx.example.net.", `example.com. 300 IN TXT "v=spf1 ~all"`,
		"s1._domainkey.example.com. 300 IN TXT "+quoted(dkim2048), `_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject"`), glue...)
	startFake(t, "127.0.0.3", port, stale)

	ns, err := Discover(context.Background(), zone, Options{Resolver: resolver.Addr, Port: port})
	if err != nil || len(ns) != 2 || ns[0].Name != "ns1.example.com." || ns[1].Addrs[0] != "127.0.0.3:"+port {
		t.Fatalf("discover: %v %+v", err, ns)
	}
	o := Options{Resolver: resolver.Addr, Port: port, Timeout: time.Second, QueryTimeout: 300 * time.Millisecond}
	res := run(t, records(), o)
	if res.Verified || len(res.Stale) != 1 || res.Stale[0] != (Server{"ns2.example.com.", "127.0.0.3:" + port}) {
		t.Fatalf("verified %v, stale %+v", res.Verified, res.Stale)
	}
	want := "ns2.example.com (127.0.0.3:" + port + ") still serves the old SPF after 1."
	if !strings.Contains(res.Summary(), want) {
		t.Errorf("summary %q, want %q", res.Summary(), want)
	}
	if !strings.Contains(res.Matrix(), "stale: served v=spf1 ~all") {
		t.Errorf("matrix lacks the stale value")
	}
}

// TestIPv6SkippedWithoutRoute checks an IPv6 address on a machine with no IPv6
// route. When this machine has one, the test reruns itself in a new network
// namespace (root and unshare(1) needed) where only loopback exists.
func TestIPv6SkippedWithoutRoute(t *testing.T) {
	if !hasIPv6Route() {
		good := startFake(t, "127.0.0.1", "0", goodRRs(t))
		res := run(t, records(), fast(good.Addr, "[2001:db8::1]:53"))
		if !res.Verified {
			t.Fatal("skipped IPv6 address blocks verification")
		}
		if c := cellOf(res, "[2001:db8::1]:53", "mx", "MX"); c.State != StateSkipped {
			t.Fatalf("IPv6 cell %+v, want skipped", c)
		}
		if !strings.Contains(res.Matrix(), "skipped (no IPv6 route)") {
			t.Error("matrix does not say skipped")
		}
		// Every address skipped is not a pass.
		if res := run(t, records(), fast("[2001:db8::1]:53")); res.Verified {
			t.Error("verified with every address skipped")
		}
		return
	}
	if os.Getenv("VERIFY_IN_NETNS") != "" {
		t.Fatal("IPv6 route present inside the new network namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("this machine has an IPv6 route, and no unshare or not root to test without one")
	}
	cmd := exec.Command(unshare, "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run", "^TestIPv6SkippedWithoutRoute$", "-test.v")
	cmd.Env = append(os.Environ(), "VERIFY_IN_NETNS=1")
	out, err := cmd.CombinedOutput()
	t.Logf("in a new network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("in a new network namespace: %v", err)
	}
}

// hasIPv6Route reports whether connecting a UDP socket to a documentation IPv6
// address succeeds: the kernel picks a route at connect time, without sending.
func hasIPv6Route() bool {
	c, err := net.Dial("udp", "[2001:db8::1]:53")
	if err != nil {
		return false
	}
	c.Close()
	return true
}
