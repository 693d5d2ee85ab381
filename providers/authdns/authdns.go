// Package authdns is the authoritative DNS front of the provider fakes: an
// in-process nameserver on loopback that serves what a fake API holds, the
// way Cloudflare's and Route 53's own nameservers serve their accounts. Plans
// read zones there before listing them through the API, so the fakes need
// one, with the faults real nameservers have: answering late (a write not yet
// served), answering without the AA bit, and not answering at all.
//
// It answers UDP and TCP on one port, truncates UDP answers beyond the
// EDNS0 size asked for, synthesizes answers from wildcards as RFC 4592 says,
// and counts the questions it is asked. It can also answer address lookups
// for the provider's nameserver names, standing in for the recursive
// resolver that finds them.
package authdns

import (
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Server is an authoritative nameserver for the zones published to it. Its
// methods are safe for concurrent use.
type Server struct {
	// Addr is where it answers, UDP and TCP (ip:port).
	Addr string

	mu     sync.Mutex
	zones  map[string][]version // apex (absolute, lower case) -> versions, oldest first
	lag    time.Duration
	noAA   bool
	silent bool
	rtt    time.Duration     // added before each answer
	hosts  map[string]net.IP // absolute lower-case name -> address, for A lookups
	now    func() time.Time

	// Queries counts the questions asked, address lookups included.
	Queries atomic.Int64
}

// version is a zone's content from a moment on.
type version struct {
	at    time.Time
	names map[string][]dns.RR // owner (absolute, lower case) -> records
}

// Start serves on addr ("127.0.0.1:0" for any free port; a fixed port such
// as "127.0.0.71:53" where discovery must find it) until the test ends.
func Start(t testing.TB, addr string) *Server {
	t.Helper()
	s := &Server{zones: map[string][]version{}, hosts: map[string]net.IP{}, now: time.Now}
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for try := 0; try < 20; try++ {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatalf("authdns: %v", err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if !strings.HasSuffix(addr, ":0") {
			t.Fatalf("authdns: %v", err)
		}
	}
	if err != nil {
		t.Fatalf("authdns: no port free for both UDP and TCP: %v", err)
	}
	s.Addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: ln, Handler: s}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return s
}

// Publish makes rrs the zone's content from now on (seen by questions once
// the lag has passed). An SOA is added when rrs has none.
func (s *Server) Publish(zone string, rrs []dns.RR) {
	apex := strings.ToLower(dns.Fqdn(zone))
	v := version{names: map[string][]dns.RR{}}
	hasSOA := false
	for _, rr := range rrs {
		name := strings.ToLower(rr.Header().Name)
		v.names[name] = append(v.names[name], rr)
		hasSOA = hasSOA || (rr.Header().Rrtype == dns.TypeSOA && name == apex)
	}
	if !hasSOA {
		v.names[apex] = append(v.names[apex], soa(apex))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v.at = s.now()
	vs := append(s.zones[apex], v)
	// Drop versions no question can see any more.
	cut := v.at.Add(-s.lag)
	for len(vs) > 1 && !vs[1].at.After(cut) {
		vs = vs[1:]
	}
	s.zones[apex] = vs
}

// Remove stops serving zone.
func (s *Server) Remove(zone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.zones, strings.ToLower(dns.Fqdn(zone)))
}

// SetLag makes questions see each zone as it was d ago, as a nameserver that
// has not yet picked up the latest writes. A zone published only once is
// served as published.
func (s *Server) SetLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lag = d
}

// SetNoAA makes answers come without the AA bit (a server that is not, or no
// longer, authoritative for the zones).
func (s *Server) SetNoAA(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noAA = on
}

// SetSilent makes the server drop every question, as one that times out.
func (s *Server) SetSilent(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = on
}

// SetLatency delays every answer by d, as a nameserver d away.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rtt = d
}

// AddHost answers A questions for name with ip, as the recursive resolver
// that finds the provider's nameservers would.
func (s *Server) AddHost(name string, ip net.IP) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[strings.ToLower(dns.Fqdn(name))] = ip
}

// ServeDNS answers one question.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	s.Queries.Add(1)
	if len(r.Question) != 1 {
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	silent, noAA, rtt := s.silent, s.noAA, s.rtt
	ip, isHost := s.hosts[name]
	apex, names := s.visible(name)
	s.mu.Unlock()
	if silent {
		return
	}
	if rtt > 0 {
		time.Sleep(rtt)
	}
	m := new(dns.Msg)
	m.SetReply(r)
	switch {
	case isHost:
		m.RecursionAvailable = true
		if q.Qtype == dns.TypeA && ip.To4() != nil {
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: ip})
		}
	case names == nil:
		m.Rcode = dns.RcodeRefused
	default:
		m.Authoritative = !noAA
		answer(m, q, name, apex, names)
	}
	size := dns.MinMsgSize
	if o := r.IsEdns0(); o != nil {
		m.SetEdns0(o.UDPSize(), false)
		size = int(o.UDPSize())
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// visible returns the zone holding name and its content as the lag lets
// questions see it, or nil.
func (s *Server) visible(name string) (string, map[string][]dns.RR) {
	best := name
	for {
		if _, ok := s.zones[best]; ok {
			break
		}
		_, parent, found := strings.Cut(best, ".")
		if !found || parent == "" {
			return "", nil
		}
		best = parent
	}
	// The newest version at least lag old; while every version kept is
	// newer (the lag grew), the oldest, which the server still has.
	cut := s.now().Add(-s.lag)
	vs := s.zones[best]
	seen := vs[0].names
	for _, v := range vs {
		if !v.at.After(cut) {
			seen = v.names
		}
	}
	return best, seen
}

// answer fills m for a question in the zone at apex with content names.
func answer(m *dns.Msg, q dns.Question, name, apex string, names map[string][]dns.RR) {
	rrs, exists := names[name]
	if !exists && !emptyNonTerminal(name, names) {
		if src, ok := wildcard(name, apex, names); ok {
			for _, rr := range src {
				c := dns.Copy(rr)
				c.Header().Name = q.Name
				rrs = append(rrs, c)
			}
			exists = true
		}
	}
	if !exists && !emptyNonTerminal(name, names) {
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, soaOf(apex, names))
		return
	}
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		if t == q.Qtype || (t == dns.TypeCNAME && q.Qtype != dns.TypeCNAME) {
			m.Answer = append(m.Answer, rr)
		}
	}
	if len(m.Answer) == 0 {
		m.Ns = append(m.Ns, soaOf(apex, names))
	}
}

// emptyNonTerminal reports whether name has no records but names below it do.
func emptyNonTerminal(name string, names map[string][]dns.RR) bool {
	for n := range names {
		if strings.HasSuffix(n, "."+name) {
			return true
		}
	}
	return false
}

// wildcard returns the records of the wildcard that answers for the missing
// name (RFC 4592: the one at its closest encloser), if there is one.
func wildcard(name, apex string, names map[string][]dns.RR) ([]dns.RR, bool) {
	for encloser := name; encloser != apex; {
		_, parent, _ := strings.Cut(encloser, ".")
		encloser = parent
		if _, ok := names[encloser]; ok || encloser == apex || emptyNonTerminal(encloser, names) {
			rrs, ok := names["*."+encloser]
			return rrs, ok
		}
	}
	return nil, false
}

func soaOf(apex string, names map[string][]dns.RR) dns.RR {
	for _, rr := range names[apex] {
		if rr.Header().Rrtype == dns.TypeSOA {
			return rr
		}
	}
	return soa(apex)
}

func soa(apex string) dns.RR {
	return &dns.SOA{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
		Ns: "ns1." + apex, Mbox: "hostmaster." + apex, Serial: 1, Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: 300}
}

// Zones lists the zones served, sorted.
func (s *Server) Zones() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.zones))
	for z := range s.zones {
		out = append(out, z)
	}
	sort.Strings(out)
	return out
}
