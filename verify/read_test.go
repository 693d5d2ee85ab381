package verify

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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
		t.Run(c.name, func(t *testing.T) {
			sets, err := Read(context.Background(), zone, readKeys, fast(c.addrs...))
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
