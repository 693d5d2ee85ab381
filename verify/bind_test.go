package verify

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// bindZone is a primary (ns1, 127.0.0.1) and a secondary (ns2, 127.0.0.2) of
// example.com on one port, with the records of records() and an extra DKIM key
// "old" and a TXT record mailzone does not own at the apex.
type bindZone struct {
	primary, secondary *bindtest.Server
	port               string
}

func startBIND(t *testing.T, notifyDelay time.Duration) *bindZone {
	t.Helper()
	bindtest.Require(t)
	port := freePort(t, "127.0.0.1", "127.0.0.2", "127.0.0.3")
	seed := []rrset.RRset{
		rrset.New(zone, "@", "MX", 300, "10 mx.example.net."),
		rrset.New(zone, "@", "TXT", 300, "v=spf1 ~all", "google-site-verification=abc"),
		rrset.New(zone, "s1._domainkey", "TXT", 300, dkim2048),
		rrset.New(zone, "old._domainkey", "TXT", 300, "v=DKIM1; k=rsa; p=OLDKEY"),
		rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=reject"),
	}
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed, NotifyDelay: notifyDelay, Addr: "127.0.0.1:" + port})
	s := bindtest.StartSecondary(t, p, bindtest.Options{Addr: "127.0.0.2:" + port})
	s.WaitSerial(t, p.Serial(t), 10*time.Second)
	return &bindZone{primary: p, secondary: s, port: port}
}

// options discover the NS set for real, with the primary as the resolver.
func (z *bindZone) options(timeout time.Duration) Options {
	return Options{Resolver: z.primary.Addr, Port: z.port, Timeout: timeout, QueryTimeout: time.Second}
}

// desired is the state after change(): new SPF, old DKIM key deleted.
func desired() []Record {
	return append(records(), Record{Field: "dkim.old", Set: rrset.New(zone, "old._domainkey", "TXT", 300)})
}

// change sends one TSIG-signed UPDATE to the primary: the SPF record replaced,
// the old DKIM key deleted. It returns the secondary's transfer count before.
func (z *bindZone) change(t *testing.T) int {
	t.Helper()
	n := z.secondary.CountLog(bindtest.TransferCompleted)
	m := new(dns.Msg)
	m.SetUpdate(z.primary.Zone)
	m.Remove(rr(t, `example.com. 300 IN TXT "v=spf1 ~all"`))
	m.RemoveRRset([]dns.RR{&dns.TXT{Hdr: dns.RR_Header{Name: "old._domainkey.example.com.", Rrtype: dns.TypeTXT}}})
	m.Insert(rr(t, `example.com. 300 IN TXT "v=spf1 include:_spf.example.net -all"`))
	sendUpdate(t, z.primary, m)
	return n
}

// sendUpdate signs m with the primary's TSIG key and sends it.
func sendUpdate(t testing.TB, p *bindtest.Server, m *dns.Msg) {
	t.Helper()
	p.Update(t, m)
}

func (z *bindZone) row(res *Result, s *bindtest.Server) Server {
	return Server{Name: s.NSName(), Addr: s.Addr}
}

// TestBINDPropagation: the secondary lags by its notify delay, and verify waits
// for it.
func TestBINDPropagation(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 2*time.Second)
	z.change(t)
	res := run(t, desired(), z.options(15*time.Second))
	if !res.Verified {
		t.Fatal("not verified")
	}
	if len(res.Rows) != 2 || res.Rows[0].Nameserver != "ns1.example.com." || res.Rows[1].Addr != z.secondary.Addr {
		t.Fatalf("discovered %+v", res.Rows)
	}
	p, s := cellOf(res, z.primary.Addr, "spf", "TXT"), cellOf(res, z.secondary.Addr, "spf", "TXT")
	if p.Converged > 500*time.Millisecond || s.Converged < 500*time.Millisecond {
		t.Errorf("spf converged on the primary after %v, on the secondary after %v: want the secondary to lag", p.Converged, s.Converged)
	}
}

// TestBINDStoppedSecondary: verify times out naming the stopped secondary.
func TestBINDStoppedSecondary(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	z.secondary.Stop()
	z.change(t)
	res := run(t, desired(), z.options(1500*time.Millisecond))
	if res.Verified || len(res.Stale) != 1 || res.Stale[0] != z.row(res, z.secondary) {
		t.Fatalf("verified %v, stale %v", res.Verified, res.Stale)
	}
	if !strings.Contains(res.Summary(), "ns2.example.com ("+z.secondary.Addr+") fails with connection refused (mx, spf") {
		t.Errorf("summary: %s", res.Summary())
	}
}

// TestBINDSecondaryOnOldSerial: the primary changed, but its notify delay holds
// the secondary on the old serial: the old SPF and the deleted DKIM key linger
// there, and verify says so.
func TestBINDSecondaryOnOldSerial(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 60*time.Second)
	// Publishing the secondary (an UPDATE) sent the last NOTIFY; the next
	// waits out the 60s delay.
	old := z.secondary.Serial(t)
	z.change(t)
	res := run(t, desired(), z.options(1500*time.Millisecond))
	if got := z.secondary.Serial(t); got != old || z.primary.Serial(t) == old {
		t.Fatalf("secondary serial %d, primary %d, want the secondary on %d", got, z.primary.Serial(t), old)
	}
	if res.Verified || len(res.Stale) != 1 || res.Stale[0] != z.row(res, z.secondary) {
		t.Fatalf("verified %v, stale %v", res.Verified, res.Stale)
	}
	if c := cellOf(res, z.secondary.Addr, "spf", "TXT"); c.State != StateStale || c.Served != "v=spf1 ~all" {
		t.Errorf("spf cell on the secondary %+v", c)
	}
	want := "ns2.example.com (" + z.secondary.Addr + ") still serves the old SPF and the deleted DKIM key old after"
	if !strings.Contains(res.Summary(), want) {
		t.Errorf("summary %q, want %q", res.Summary(), want)
	}
}

// TestBINDLameServer: a third NS, published in the zone, answers without AA.
func TestBINDLameServer(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	lame := startFake(t, "127.0.0.3", z.port, goodRRs(t))
	lame.update(func(f *fake) { f.aa = false })
	n := z.secondary.CountLog(bindtest.TransferCompleted)
	m := new(dns.Msg)
	m.SetUpdate(z.primary.Zone)
	m.Insert(rr(t, "example.com. 300 IN NS ns3.example.com.", "ns3.example.com. 300 IN A 127.0.0.3"))
	sendUpdate(t, z.primary, m)
	z.secondary.WaitLog(t, bindtest.TransferCompleted, n+1, 10*time.Second)
	z.change(t)
	res := run(t, desired(), z.options(1500*time.Millisecond))
	if res.Verified || len(res.Stale) != 1 || res.Stale[0] != (Server{"ns3.example.com.", lame.Addr}) {
		t.Fatalf("verified %v, stale %v", res.Verified, res.Stale)
	}
	if got := cellOf(res, lame.Addr, "mx", "MX").text(); got != "error: lame: answer without AA" {
		t.Errorf("lame cell %q", got)
	}
	if got := cellOf(res, z.secondary.Addr, "spf", "TXT"); got.State != StateOK {
		t.Errorf("secondary spf %+v", got)
	}
}

// TestBINDDelegationFromZoneServers asks the primary for the zone's own NS set;
// its parent (com.) is unknown to it, which the report says.
func TestBINDDelegationFromZoneServers(t *testing.T) {
	t.Parallel()
	z := startBIND(t, 0)
	d, err := CheckDelegation(context.Background(), zone, z.options(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", d)
	if d.Status != DelegationUnknown || strings.Join(d.ZoneNS, " ") != "ns1.example.com. ns2.example.com." {
		t.Errorf("%+v", d)
	}
}
