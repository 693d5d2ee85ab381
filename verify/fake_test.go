package verify

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fake is an in-process nameserver (miekg/dns on UDP and TCP) whose answers a
// test controls.
type fake struct {
	Addr string

	mu        sync.Mutex
	rrs       []dns.RR
	aa        bool
	rcode     int                 // answer every query with this RCODE when non-zero
	referrals map[string][]dns.RR // child zone → NS records (parent role)
	silent    bool                // never answer
	alwaysTC  bool                // set TC on every UDP answer, with no records

	udp, tcp atomic.Int32
	servers  []*dns.Server
}

// rr parses zone-file lines, failing the test on error.
func rr(t testing.TB, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		r, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// set replaces the records served.
func (f *fake) set(rrs []dns.RR) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rrs = rrs
}

func (f *fake) update(fn func(f *fake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fake) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, isUDP := w.RemoteAddr().(*net.UDPAddr)
	if isUDP {
		f.udp.Add(1)
	} else {
		f.tcp.Add(1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.silent || len(r.Question) != 1 {
		return
	}
	q := r.Question[0]
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = f.aa
	if f.rcode != 0 {
		m.Rcode = f.rcode
		m.Authoritative = false
		_ = w.WriteMsg(m)
		return
	}
	for child, ns := range f.referrals {
		if dns.IsSubDomain(child, q.Name) {
			m.Authoritative = false
			m.Ns = ns
			_ = w.WriteMsg(m)
			return
		}
	}
	exists := false
	for _, x := range f.rrs {
		if !strings.EqualFold(x.Header().Name, q.Name) {
			continue
		}
		exists = true
		if x.Header().Rrtype == q.Qtype || x.Header().Rrtype == dns.TypeCNAME {
			m.Answer = append(m.Answer, dns.Copy(x))
		}
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	if isUDP {
		if f.alwaysTC {
			m.Answer = nil
			m.Truncated = true
		} else {
			size := dns.MinMsgSize
			if o := r.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
			m.Truncate(size)
		}
	}
	_ = w.WriteMsg(m)
}

// startFake starts a fake on ip at port ("0": any free port) serving rrs with AA.
func startFake(t testing.TB, ip, port string, rrs []dns.RR) *fake {
	t.Helper()
	f := &fake{rrs: rrs, aa: true}
	var pc net.PacketConn
	var l net.Listener
	var err error
	for range 20 {
		pc, err = net.ListenPacket("udp", net.JoinHostPort(ip, port))
		if err != nil {
			if port != "0" {
				break
			}
			continue
		}
		p := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		l, err = net.Listen("tcp", net.JoinHostPort(ip, p))
		if err == nil {
			break
		}
		pc.Close()
		if port != "0" {
			break
		}
	}
	if err != nil {
		t.Skipf("cannot listen on %s port %s (loopback alias missing? ip addr add %s/32 dev lo): %v", ip, port, ip, err)
	}
	f.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: f}
	tcp := &dns.Server{Listener: l, Handler: f}
	f.servers = []*dns.Server{udp, tcp}
	for _, s := range f.servers {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go func() { _ = s.ActivateAndServe() }()
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("fake server did not start")
		}
	}
	t.Cleanup(func() {
		for _, s := range f.servers {
			_ = s.Shutdown()
		}
	})
	return f
}

// freePort returns a port free for UDP and TCP on every ip, or skips the test.
func freePort(t testing.TB, ips ...string) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		if err != nil {
			t.Skipf("listen %s: %v", ips[0], err)
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		ok := true
		for _, ip := range ips {
			a := net.JoinHostPort(ip, port)
			tl, err := net.Listen("tcp", a)
			if err != nil {
				ok = false
				break
			}
			tl.Close()
			ul, err := net.ListenPacket("udp", a)
			if err != nil {
				ok = false
				break
			}
			ul.Close()
		}
		if ok {
			return port
		}
	}
	t.Skipf("no port free on all of %v (loopback aliases missing? ip addr add 127.0.0.2/32 dev lo)", ips)
	return ""
}
