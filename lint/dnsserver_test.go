package lint

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// testDNS is an in-process DNS server on 127.0.0.1 that answers like a
// recursive resolver over the records loaded into it: it follows CNAME chains,
// expands wildcards (RFC 4592, at the closest encloser), tells NXDOMAIN from
// NODATA (empty non-terminals exist), and truncates UDP answers larger than
// the client's buffer so that the TCP fallback is exercised.
type testDNS struct {
	Addr string

	mu      sync.Mutex
	rrs     map[string][]dns.RR // by canonical owner name
	fail    map[string]int      // owner name → RCODE to answer instead
	timeout map[string]bool     // owner name → SERVFAIL for types it has no records of
	queries atomic.Int64
	asked   sync.Map // "name TYPE" → count
}

// newTestDNS starts a server loaded with zone, RFC 1035 master-file text
// with absolute names (or relative to $ORIGIN), and stops it at cleanup.
func newTestDNS(t *testing.T, zone string) *testDNS {
	t.Helper()
	s := &testDNS{rrs: map[string][]dns.RR{}, fail: map[string]int{}, timeout: map[string]bool{}}
	s.load(t, zone)
	// UDP and TCP on one port: the port the kernel picks for UDP may be taken
	// for TCP, so try again a few times.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for try := 0; try < 20; try++ {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = pc.LocalAddr().String()
	var started sync.WaitGroup
	started.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: s, NotifyStartedFunc: started.Done}
	tcp := &dns.Server{Listener: ln, Handler: s, NotifyStartedFunc: started.Done}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	started.Wait()
	t.Cleanup(func() {
		udp.Shutdown()
		tcp.Shutdown()
	})
	return s
}

// load adds the records of zone text.
func (s *testDNS) load(t *testing.T, zone string) {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader(zone), ".", "test.zone")
	zp.SetIncludeAllowed(false)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		s.add(rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("zone: %v", err)
	}
}

func (s *testDNS) add(rrs ...dns.RR) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rr := range rrs {
		name := dns.CanonicalName(rr.Header().Name)
		rr.Header().Name = name
		s.rrs[name] = append(s.rrs[name], rr)
	}
}

// failName makes every question at name answer with rcode.
func (s *testDNS) failName(name string, rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[dns.CanonicalName(name)] = rcode
}

// timeoutName makes questions at name for types it has no records of
// answer SERVFAIL, as the suite's TIMEOUT asks.
func (s *testDNS) timeoutName(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeout[dns.CanonicalName(name)] = true
}

// asks returns how often the server was asked for name and type.
func (s *testDNS) asks(name string, qtype uint16) int64 {
	v, ok := s.asked.Load(dns.CanonicalName(name) + " " + dns.TypeToString[qtype])
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// exists reports whether name owns records or is an empty non-terminal.
func (s *testDNS) exists(name string) bool {
	if len(s.rrs[name]) > 0 {
		return true
	}
	for owner := range s.rrs {
		if strings.HasSuffix(owner, "."+name) || name == "." {
			return true
		}
	}
	return false
}

// at returns the records at name, synthesized from a wildcard if need be,
// and whether the name exists.
func (s *testDNS) at(name string) ([]dns.RR, bool) {
	if s.exists(name) {
		return s.rrs[name], true
	}
	for p := parent(name); ; p = parent(p) {
		if s.exists(p) {
			wild := s.rrs["*."+strings.TrimPrefix(p, ".")]
			if p == "." {
				wild = s.rrs["*."]
			}
			if len(wild) == 0 {
				return nil, false
			}
			var out []dns.RR
			for _, rr := range wild {
				c := dns.Copy(rr)
				c.Header().Name = name
				out = append(out, c)
			}
			return out, true
		}
		if p == "." {
			return nil, false
		}
	}
}

func hasType(rrs []dns.RR, qtype uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype {
			return true
		}
	}
	return false
}

func parent(name string) string {
	i := strings.IndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return "."
	}
	return name[i+1:]
}

// ServeDNS implements dns.Handler.
func (s *testDNS) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	v, _ := s.asked.LoadOrStore(name+" "+dns.TypeToString[q.Qtype], new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	s.mu.Lock()
	owner := name
	for range 16 {
		if rc, ok := s.fail[owner]; ok {
			m.Answer = nil
			m.Rcode = rc
			break
		}
		rrs, ok := s.at(owner)
		if s.timeout[owner] && !hasType(rrs, q.Qtype) {
			m.Answer = nil
			m.Rcode = dns.RcodeServerFailure
			break
		}
		if !ok {
			m.Rcode = dns.RcodeNameError
			break
		}
		var next string
		for _, rr := range rrs {
			if c, ok := rr.(*dns.CNAME); ok && q.Qtype != dns.TypeCNAME {
				m.Answer = append(m.Answer, c)
				next = dns.CanonicalName(c.Target)
			}
		}
		if next != "" {
			owner = next
			continue
		}
		for _, rr := range rrs {
			if rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
		break
	}
	s.mu.Unlock()
	if _, ok := w.LocalAddr().(*net.UDPAddr); ok {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// resolver returns a fresh DNSResolver asking the server.
func (s *testDNS) resolver(t *testing.T) *DNSResolver {
	t.Helper()
	r, err := NewResolver(s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
