// Package flattentest serves SPF trees from an in-process DNS server for
// the tests and benchmarks of SPF flattening: vendors whose records a test
// changes or breaks mid-run, with every question counted.
package flattentest

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// Upstream is an in-process recursive-resolver stand-in serving vendors'
// SPF trees, which a test can change or break while it runs, and counting
// the questions it is asked.
type Upstream struct {
	// Addr is where it answers, over UDP.
	Addr   string
	mu     sync.Mutex
	rrs    map[string][]dns.RR // "name TYPE"
	broken map[string]int      // name → RCODE to answer instead (Break)
	// Queries counts the questions asked.
	Queries atomic.Int64
}

// New serves the records of zone (RFC 1035 text, absolute names) until
// the test ends.
func New(t testing.TB, zone string) *Upstream {
	t.Helper()
	u := &Upstream{rrs: map[string][]dns.RR{}, broken: map[string]int{}}
	u.Set(t, zone)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: u}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return u
}

// Set replaces the records of the names the zone text holds.
func (u *Upstream) Set(t testing.TB, zone string) {
	t.Helper()
	zp := dns.NewZoneParser(strings.NewReader("$TTL 300\n"+zone), ".", "upstream")
	fresh := map[string][]dns.RR{}
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		k := strings.ToLower(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype]
		fresh[k] = append(fresh[k], rr)
	}
	if err := zp.Err(); err != nil {
		t.Fatal(err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, v := range fresh {
		u.rrs[k] = v
	}
}

// Break makes every question about name (absolute) answered with rcode,
// such as dns.RcodeServerFailure.
func (u *Upstream) Break(name string, rcode int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.broken[strings.ToLower(name)] = rcode
}

// ServeDNS answers as a recursive resolver would from the records.
func (u *Upstream) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	u.Queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(r)
	m.RecursionAvailable = true
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	u.mu.Lock()
	defer u.mu.Unlock()
	if rc, ok := u.broken[name]; ok {
		m.Rcode = rc
		w.WriteMsg(m)
		return
	}
	m.Answer = u.rrs[name+" "+dns.TypeToString[q.Qtype]]
	if len(m.Answer) == 0 {
		m.Rcode = dns.RcodeNameError
		for k := range u.rrs {
			if strings.HasPrefix(k, name+" ") {
				m.Rcode = dns.RcodeSuccess // NODATA
			}
		}
	}
	w.WriteMsg(m)
}
