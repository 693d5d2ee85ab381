package bindtest

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Exchange sends m to the server over UDP, and again over TCP when the answer is
// truncated, and returns the answer.
func (s *Server) Exchange(m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: dns.DefaultMsgSize}
	r, _, err := c.Exchange(m, s.Addr)
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.Exchange(m, s.Addr)
	}
	return r, err
}

// Query asks the server about name and type the way a verifier asks an
// authoritative server: RD=0, EDNS0, TCP on truncation. It fails the test when
// the server does not answer.
func (s *Server) Query(t testing.TB, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	m.SetEdns0(dns.DefaultMsgSize, false)
	r, err := s.Exchange(m)
	if err != nil {
		t.Fatalf("bindtest: query %s %s at %s %s: %v", name, dns.TypeToString[qtype], s.Role, s.Addr, err)
	}
	return r
}

// Serial returns the SOA serial of the zone as the server serves it, failing the
// test if it serves none.
func (s *Server) Serial(t testing.TB) uint32 {
	t.Helper()
	serial, ok := s.serial()
	if !ok {
		t.Fatalf("bindtest: %s %s serves no SOA for %s", s.Role, s.Addr, s.Zone)
	}
	return serial
}

func (s *Server) serial() (uint32, bool) {
	m := new(dns.Msg)
	m.SetQuestion(s.Zone, dns.TypeSOA)
	m.RecursionDesired = false
	r, err := s.Exchange(m)
	if err != nil || r.Rcode != dns.RcodeSuccess || !r.Authoritative {
		return 0, false
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, true
		}
	}
	return 0, false
}

// WaitSerial waits until the server serves the zone with a serial of at least
// serial (in RFC 1982 order), and fails the test after timeout. On a secondary
// this waits for propagation from the primary.
func (s *Server) WaitSerial(t testing.TB, serial uint32, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, ok := s.serial()
		if ok && int32(got-serial) >= 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bindtest: %s %s serves serial %d (ok=%v) after %v, want %d; log tail:\n%s",
				s.Role, s.Addr, got, ok, timeout, serial, s.log.tail(20))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Update signs the UPDATE message m with the server's TSIG key, sends it over
// TCP and fails the test unless the server answers NOERROR.
func (s *Server) Update(t testing.TB, m *dns.Msg) {
	t.Helper()
	name := dns.Fqdn(s.Key.Name)
	m.SetTsig(name, TSIGAlgorithm(s.Key.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{name: s.Key.Secret}}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		t.Fatalf("bindtest: update at %s: %v", s.Addr, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		t.Fatalf("bindtest: update at %s: %s", s.Addr, dns.RcodeToString[r.Rcode])
	}
}
