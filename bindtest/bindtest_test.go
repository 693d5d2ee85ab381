package bindtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

const zone = "example.com"

// longText is longer than one 255-byte character-string.
var longText = "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 700)

func seed() []rrset.RRset {
	return []rrset.RRset{
		rrset.New(zone, "@", "MX", 3600, "10 inbound.example.net."),
		rrset.New(zone, "@", "TXT", 3600, "v=spf1 -all", `token with "quotes" and \backslash`),
		rrset.New(zone, "s1._domainkey", "TXT", 600, longText),
	}
}

func txtOf(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			// miekg/dns keeps character-strings in escaped presentation form.
			out = append(out, rrset.JoinTXT(`"`+strings.Join(txt.Txt, `" "`)+`"`))
		}
	}
	return out
}

func TestPrimaryServesSeedWithGlue(t *testing.T) {
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed()})

	if got := p.Serial(t); got != 1 {
		t.Errorf("serial = %d, want 1", got)
	}
	r := p.Query(t, "s1._domainkey."+zone, dns.TypeTXT)
	if !r.Authoritative || len(r.Answer) != 1 {
		t.Fatalf("s1._domainkey TXT: aa=%v answer=%v", r.Authoritative, r.Answer)
	}
	if got := r.Answer[0].(*dns.TXT).Txt; len(got) != 3 {
		t.Errorf("700-byte key served as %d character-strings, want 3 (255-byte split)", len(got))
	}
	if got := txtOf(r); len(got) != 1 || got[0] != longText {
		t.Errorf("s1._domainkey TXT = %q", got)
	}
	if got := txtOf(p.Query(t, zone, dns.TypeTXT)); len(got) != 2 || !contains(got, `token with "quotes" and \backslash`) {
		t.Errorf("apex TXT = %q", got)
	}

	ns := p.Query(t, zone, dns.TypeNS)
	if len(ns.Answer) != 1 || ns.Answer[0].(*dns.NS).Ns != "ns1.example.com." || p.NSName() != "ns1.example.com." {
		t.Fatalf("NS = %v, NSName = %s", ns.Answer, p.NSName())
	}
	a := p.Query(t, "ns1."+zone, dns.TypeA)
	if len(a.Answer) != 1 || a.Answer[0].(*dns.A).A.String() != p.IP() {
		t.Errorf("ns1 A = %v, want %s", a.Answer, p.IP())
	}
}

func TestSecondaryFollowsPrimaryByNotify(t *testing.T) {
	for _, tc := range []struct{ name, primary, secondary string }{
		{"same address", "", ""},
		{"own loopback addresses", "127.0.0.2", "127.0.0.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed(), Addr: tc.primary})
			s := bindtest.StartSecondary(t, p, bindtest.Options{Addr: tc.secondary})
			if got, want := s.Serial(t), p.Serial(t); got != want {
				t.Fatalf("secondary serial %d, primary %d", got, want)
			}
			ns := s.Query(t, zone, dns.TypeNS)
			if len(ns.Answer) != 2 {
				t.Errorf("NS after adding a secondary = %v, want ns1 and ns2", ns.Answer)
			}
			if a := s.Query(t, s.NSName(), dns.TypeA); len(a.Answer) != 1 || a.Answer[0].(*dns.A).A.String() != s.IP() {
				t.Errorf("%s A = %v, want %s", s.NSName(), a.Answer, s.IP())
			}

			transfers := s.CountLog(bindtest.TransferCompleted)
			update(t, p, `_dmarc.example.com. 300 IN TXT "v=DMARC1; p=reject"`)
			s.WaitLog(t, bindtest.TransferCompleted, transfers+1, 10*time.Second)
			s.WaitSerial(t, p.Serial(t), 5*time.Second)
			r := s.Query(t, "_dmarc."+zone, dns.TypeTXT)
			if !r.Authoritative || len(txtOf(r)) != 1 || txtOf(r)[0] != "v=DMARC1; p=reject" {
				t.Errorf("secondary _dmarc: aa=%v %v", r.Authoritative, r.Answer)
			}
			if !p.LogContains("IXFR ended") {
				t.Errorf("expected an incremental transfer in the primary's log")
			}
		})
	}
}

func TestRestartKeepsUpdates(t *testing.T) {
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone})
	update(t, p, `a.example.com. 300 IN A 192.0.2.1`)
	serial := p.Serial(t)
	p.Stop()
	if p.Running() {
		t.Fatal("running after Stop")
	}
	p.Start(t)
	if got := p.Serial(t); got != serial {
		t.Errorf("serial after restart %d, want %d", got, serial)
	}
	if r := p.Query(t, "a."+zone, dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("update lost on restart: %v", r.Answer)
	}
}

func TestLameRefuses(t *testing.T) {
	l := bindtest.StartLame(t, bindtest.Options{Zone: zone})
	r := l.Query(t, zone, dns.TypeSOA)
	if r.Rcode != dns.RcodeRefused || r.Authoritative {
		t.Errorf("lame server: rcode %s aa=%v, want REFUSED without AA", dns.RcodeToString[r.Rcode], r.Authoritative)
	}
}

func TestUpdateNeedsKey(t *testing.T) {
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone})
	rr, _ := dns.NewRR(`b.example.com. 300 IN A 192.0.2.2`)
	m := new(dns.Msg)
	m.SetUpdate(zone + ".")
	m.Insert([]dns.RR{rr})
	r, err := p.Exchange(m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeRefused {
		t.Errorf("unsigned UPDATE: rcode %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}
}

// update adds one record on the primary with a TSIG-signed UPDATE.
func update(t *testing.T, p *bindtest.Server, record string) {
	t.Helper()
	rr, err := dns.NewRR(record)
	if err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetUpdate(p.Zone)
	m.Insert([]dns.RR{rr})
	name := dns.Fqdn(p.Key.Name)
	m.SetTsig(name, bindtest.TSIGAlgorithm(p.Key.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{name: p.Key.Secret}}
	r, _, err := c.Exchange(m, p.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update %s: %v %v", record, err, r)
	}
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// TestNotifyDelaySpacesNotifies: BIND sends a zone's NOTIFYs at least
// notify-delay apart (counted from the last NOTIFY, the one after loading
// included), so a change right after another reaches the secondary late.
func TestNotifyDelaySpacesNotifies(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few notify-delays")
	}
	const delay = 3 * time.Second
	const sending = "sending notifies"
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, NotifyDelay: delay})
	s := bindtest.StartSecondary(t, p, bindtest.Options{})
	s.WaitSerial(t, p.Serial(t), 10*time.Second)

	n := p.CountLog(sending)
	update(t, p, `c.example.com. 300 IN A 192.0.2.3`)
	p.WaitLog(t, sending, n+1, 3*delay)
	notified := time.Now()
	// Let the secondary take the first change before making the second, or
	// one transfer could carry both.
	s.WaitSerial(t, p.Serial(t), 3*delay)
	if time.Since(notified) > delay/2 {
		t.Skipf("the first transfer took %v; too slow to observe the notify-delay here", time.Since(notified))
	}
	update(t, p, `d.example.com. 300 IN A 192.0.2.4`)
	serial := p.Serial(t)
	time.Sleep(time.Second)
	if got := s.Serial(t); int32(got-serial) >= 0 {
		t.Fatalf("secondary at serial %d a second after a NOTIFY, want older than %d (notify-delay %v)", got, serial, delay)
	}
	s.WaitSerial(t, serial, 3*delay)
	t.Logf("second change propagated %v after the first NOTIFY", time.Since(notified).Round(time.Millisecond))
}
