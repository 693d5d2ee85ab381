package authdns

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func ask(t *testing.T, s *Server, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	r, err := dns.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func rrs(t *testing.T, lines ...string) []dns.RR {
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rr)
	}
	return out
}

// TestAnswers: NXDOMAIN, NODATA at a name and at an empty non-terminal,
// wildcard synthesis from the closest encloser only (RFC 4592), and the
// AA bit.
func TestAnswers(t *testing.T) {
	s := Start(t, "127.0.0.1:0")
	s.Publish("contoso.com", rrs(t,
		`contoso.com. 3600 IN MX 10 inbound.mailgate.example.net.`,
		`selector1._domainkey.contoso.com. 3600 IN CNAME selector1-contoso-com._domainkey.contoso.onmicrosoft.com.`,
		`*.contoso.com. 300 IN TXT "wild"`,
	))
	for _, tt := range []struct {
		name   string
		qtype  uint16
		rcode  int
		answer string
	}{
		{"contoso.com.", dns.TypeMX, dns.RcodeSuccess, "10 inbound.mailgate.example.net."},
		{"contoso.com.", dns.TypeTXT, dns.RcodeSuccess, ""},                           // NODATA
		{"_domainkey.contoso.com.", dns.TypeTXT, dns.RcodeSuccess, ""},                // empty non-terminal: no wildcard
		{"gone._domainkey.contoso.com.", dns.TypeTXT, dns.RcodeNameError, ""},         // closest encloser _domainkey has no wildcard
		{"_dmarc.contoso.com.", dns.TypeTXT, dns.RcodeSuccess, `"wild"`},              // synthesized
		{"selector1._domainkey.contoso.com.", dns.TypeTXT, dns.RcodeSuccess, "CNAME"}, // the CNAME answers
	} {
		r := ask(t, s, tt.name, tt.qtype)
		got := ""
		if len(r.Answer) > 0 {
			switch rr := r.Answer[0].(type) {
			case *dns.MX:
				got = "10 " + rr.Mx
			case *dns.TXT:
				got = `"` + rr.Txt[0] + `"`
				if rr.Hdr.Name != tt.name {
					t.Errorf("%s: synthesized under %s", tt.name, rr.Hdr.Name)
				}
			case *dns.CNAME:
				got = "CNAME"
			}
		}
		if r.Rcode != tt.rcode || got != tt.answer || !r.Authoritative {
			t.Errorf("%s %s: rcode %d answer %q AA %v, want %d %q", tt.name, dns.TypeToString[tt.qtype], r.Rcode, got, r.Authoritative, tt.rcode, tt.answer)
		}
	}
	if r := ask(t, s, "fabrikam.com.", dns.TypeMX); r.Rcode != dns.RcodeRefused {
		t.Errorf("a zone not served: rcode %d", r.Rcode)
	}
	s.SetNoAA(true)
	if r := ask(t, s, "contoso.com.", dns.TypeMX); r.Authoritative {
		t.Error("SetNoAA: AA still set")
	}
}

// TestLag: with a lag, questions see the zone as it was; without, as it is.
func TestLag(t *testing.T) {
	s := Start(t, "127.0.0.1:0")
	var clock atomic.Int64 // the server reads it from its own goroutines
	clock.Store(time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC).UnixNano())
	s.now = func() time.Time { return time.Unix(0, clock.Load()) }
	s.Publish("contoso.com", rrs(t, `_dmarc.contoso.com. 3600 IN TXT "v=DMARC1; p=none"`))
	s.SetLag(30 * time.Second)
	clock.Add(int64(time.Minute))
	s.Publish("contoso.com", rrs(t, `_dmarc.contoso.com. 3600 IN TXT "v=DMARC1; p=reject"`))
	served := func() string {
		r := ask(t, s, "_dmarc.contoso.com.", dns.TypeTXT)
		return r.Answer[0].(*dns.TXT).Txt[0]
	}
	if got := served(); got != "v=DMARC1; p=none" {
		t.Errorf("lagging: %q", got)
	}
	clock.Add(int64(31 * time.Second))
	if got := served(); got != "v=DMARC1; p=reject" {
		t.Errorf("after the lag: %q", got)
	}
}
