package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// readKeys are the names a manual provider reads for example.com: the
// apex MX and TXT, a DKIM selector as TXT and CNAME, DMARC, and a selector
// that is not there.
var readKeys = []rrset.Key{
	{Name: "example.com.", Type: "MX"},
	{Name: "example.com.", Type: "TXT"},
	{Name: "s1._domainkey.example.com.", Type: "TXT"},
	{Name: "s1._domainkey.example.com.", Type: "CNAME"},
	{Name: "_dmarc.example.com.", Type: "TXT"},
	{Name: "s2._domainkey.example.com.", Type: "TXT"},
}

func readOK(t *testing.T, o Options) map[rrset.Key]rrset.RRset {
	t.Helper()
	sets, err := Read(context.Background(), zone, readKeys, o)
	if err != nil {
		t.Fatal(err)
	}
	return rrset.Index(sets)
}

// TestReadBIND reads through NS discovery from a real primary and
// secondary: exact values (a 2048-bit key joined from its strings, the TXT
// mailzone does not own beside SPF), the zone's TTLs, and nothing at the
// names that hold nothing.
func TestReadBIND(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	got := readOK(t, z.options(10*time.Second))
	want := map[rrset.Key][]string{
		readKeys[0]: {"10 mx.example.net."},
		readKeys[1]: {"google-site-verification=abc", "v=spf1 ~all"},
		readKeys[2]: {dkim2048},
		readKeys[3]: nil,
		readKeys[4]: {"v=DMARC1; p=reject"},
		readKeys[5]: nil,
	}
	for k, vs := range want {
		s, ok := got[k]
		if !ok {
			t.Errorf("%s: not returned", k)
			continue
		}
		if !slices.Equal(s.Values, vs) || (len(vs) > 0 && s.TTL != 300) {
			t.Errorf("%s: %v TTL %d, want %v TTL 300", k, s.Values, s.TTL, vs)
		}
	}
}

// TestReadSecondaryLags: the nameservers disagree, so no plan can be made
// from them; the error names both addresses and what each serves.
func TestReadSecondaryLags(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 60*time.Second)
	z.change(t)
	_, err := Read(context.Background(), zone, readKeys, z.options(10*time.Second))
	if err == nil {
		t.Fatal("read while the secondary lags: no error")
	}
	for _, want := range []string{"example.com. TXT: " + z.primary.Addr + " serves", z.secondary.Addr + " serves google-site-verification=abc | v=spf1 ~all", "wait until they agree"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestReadFaults: a nameserver that answers without AA, one that never
// answers, and one whose every UDP answer is truncated (read over TCP).
func TestReadFaults(t *testing.T) {
	t.Parallel()
	good := startFake(t, "127.0.0.1", "0", goodRRs(t))
	lame := startFake(t, "127.0.0.1", "0", goodRRs(t))
	lame.update(func(f *fake) { f.aa = false })
	silent := startFake(t, "127.0.0.1", "0", goodRRs(t))
	silent.update(func(f *fake) { f.silent = true })
	tc := startFake(t, "127.0.0.1", "0", goodRRs(t))
	tc.update(func(f *fake) { f.alwaysTC = true })

	for _, c := range []struct {
		name  string
		addrs []string
		err   string
	}{
		{"lame", []string{good.Addr, lame.Addr}, "at " + lame.Addr + ": lame: answer without AA"},
		{"timeout", []string{good.Addr, silent.Addr}, "at " + silent.Addr + ": timeout"},
		{"truncated", []string{good.Addr, tc.Addr}, ""},
	} {
		for _, pooled := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pooled=%v", c.name, pooled), func(t *testing.T) {
				o := fast(c.addrs...)
				if pooled {
					// A fleet run's Limiter, which reuses UDP sockets.
					o.Limiter = NewLimiter(DefaultPerAddress)
					defer o.Limiter.Close()
				}
				sets, err := Read(context.Background(), zone, readKeys, o)
				if c.err == "" {
					if err != nil {
						t.Fatal(err)
					}
					if got := rrset.Index(sets)[readKeys[2]]; !slices.Equal(got.Values, []string{dkim2048}) {
						t.Errorf("DKIM over TCP: %v", got.Values)
					}
					if tc.tcp.Load() == 0 {
						t.Error("no TCP query after truncated answers")
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want %q", err, c.err)
				}
			})
		}
	}
}

// TestReadExactWildcardBIND: a real BIND zone with the wildcard DKIM
// revocation of a parked domain (*._domainkey TXT "v=DKIM1; p="). Asked by
// its own name, the wildcard is read exactly. A revoked selector that is
// missing from the zone would be answered by the wildcard with the same
// "v=DKIM1; p=" it should hold, so ReadExact refuses to vouch for the
// zone, while Read (the manual provider's) reports the synthesized answer.
func TestReadExactWildcardBIND(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	o := z.options(10 * time.Second)
	// Without a wildcard, every probe is an authoritative NXDOMAIN.
	if _, err := ReadExact(context.Background(), zone, readKeys, o); err != nil {
		t.Errorf("ReadExact where no wildcard is: %v", err)
	}
	m := new(dns.Msg)
	m.SetUpdate(zone)
	rr, _ := dns.NewRR(`*._domainkey.example.com. 300 IN TXT "v=DKIM1; p="`)
	m.Insert([]dns.RR{rr})
	sendUpdate(t, z.primary, m)
	z.secondary.WaitSerial(t, z.primary.Serial(t), 10*time.Second)

	parked := []rrset.Key{{Name: "example.com.", Type: "MX"}, {Name: "*._domainkey.example.com.", Type: "TXT"}, {Name: "_dmarc.example.com.", Type: "TXT"}}
	sets, err := ReadExact(context.Background(), zone, parked, o)
	if err != nil {
		t.Fatalf("ReadExact of the wildcard itself: %v", err)
	}
	if got := rrset.Index(sets)[parked[1]]; !slices.Equal(got.Values, []string{"v=DKIM1; p="}) {
		t.Errorf("the wildcard read as %v", got.Values)
	}

	revoked := append(parked, rrset.Key{Name: "gone._domainkey.example.com.", Type: "TXT"})
	_, err = ReadExact(context.Background(), zone, revoked, o)
	if err == nil || !strings.Contains(err.Error(), "a wildcard answers under _domainkey.example.com.") {
		t.Errorf("ReadExact of a name the wildcard covers: %v", err)
	}
	sets, err = Read(context.Background(), zone, revoked, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := rrset.Index(sets)[revoked[3]]; !slices.Equal(got.Values, []string{"v=DKIM1; p="}) {
		t.Errorf("Read of a name the wildcard covers: %v (BIND synthesizes the wildcard's value)", got.Values)
	}
}

// TestReadDelegatedSelectorBIND: a DKIM selector delegated to Microsoft 365
// by CNAME, read as CNAME and as TXT (which it must not have) with one
// question per address: BIND answers the TXT question with the CNAME.
func TestReadDelegatedSelectorBIND(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	m := new(dns.Msg)
	m.SetUpdate(zone)
	rr, _ := dns.NewRR("selector1._domainkey.example.com. 3600 IN CNAME selector1-example-com._domainkey.contoso.onmicrosoft.com.")
	m.Insert([]dns.RR{rr})
	sendUpdate(t, z.primary, m)
	z.secondary.WaitSerial(t, z.primary.Serial(t), 10*time.Second)
	keys := []rrset.Key{
		{Name: "selector1._domainkey.example.com.", Type: "CNAME"},
		{Name: "selector1._domainkey.example.com.", Type: "TXT"},
		{Name: "s1._domainkey.example.com.", Type: "TXT"},
		{Name: "s1._domainkey.example.com.", Type: "CNAME"},
	}
	if qs := questions(keys); len(qs) != 2 || qs[0].qtype != "TXT" || qs[1].qtype != "TXT" {
		t.Errorf("questions: %+v", qs)
	}
	sets, err := ReadExact(context.Background(), zone, keys, z.options(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got := rrset.Index(sets)
	if v := got[keys[0]]; !slices.Equal(v.Values, []string{"selector1-example-com._domainkey.contoso.onmicrosoft.com."}) || v.TTL != 3600 {
		t.Errorf("CNAME: %v TTL %d", v.Values, v.TTL)
	}
	if v := got[keys[1]]; len(v.Values) != 0 {
		t.Errorf("TXT at the CNAME: %v", v.Values)
	}
	if v := got[keys[2]]; !slices.Equal(v.Values, []string{dkim2048}) {
		t.Errorf("the key selector's TXT: %v", v.Values)
	}
	if v := got[keys[3]]; len(v.Values) != 0 {
		t.Errorf("CNAME at the key selector: %v", v.Values)
	}
}
