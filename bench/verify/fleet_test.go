package verifybench

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// fleetServer is an in-process DNS server for the fleet measurement: as the
// resolver it answers NS and A questions about the fleet; as an
// authoritative address it serves every customer zone's mail records with
// AA. It counts questions and the most it ever had in flight.
type fleetServer struct {
	auth              bool
	questions         atomic.Int64
	inFlight, maxSeen atomic.Int64
}

func (s *fleetServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	n := s.inFlight.Add(1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	defer s.inFlight.Add(-1)
	s.questions.Add(1)
	m := new(dns.Msg)
	m.SetReply(r)
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	rr := func(text string) {
		x, err := dns.NewRR(text)
		if err == nil {
			m.Answer = append(m.Answer, x)
		}
	}
	if !s.auth {
		m.RecursionAvailable = true
		switch {
		case q.Qtype == dns.TypeNS && strings.HasSuffix(name, ".example."):
			rr(name + " 3600 IN NS ns1.dnshost.example.")
			rr(name + " 3600 IN NS ns2.dnshost.example.")
		case q.Qtype == dns.TypeA && name == "ns1.dnshost.example.":
			rr(name + " 3600 IN A 127.0.0.11")
			rr(name + " 3600 IN A 127.0.0.12")
		case q.Qtype == dns.TypeA && name == "ns2.dnshost.example.":
			rr(name + " 3600 IN A 127.0.0.13")
			rr(name + " 3600 IN A 127.0.0.14")
		}
		w.WriteMsg(m)
		return
	}
	m.Authoritative = true
	labels := dns.SplitDomainName(name)
	if len(labels) < 2 {
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	apex := strings.Join(labels[len(labels)-2:], ".") + "."
	switch {
	case name == apex && q.Qtype == dns.TypeMX:
		rr(name + " 3600 IN MX 10 inbound.mailgate.example.net.")
	case name == apex && q.Qtype == dns.TypeTXT:
		rr(name + ` 3600 IN TXT "v=spf1 include:_spf.mailgate.example.net -all"`)
	case name == "_dmarc."+apex && q.Qtype == dns.TypeTXT:
		rr(name + ` 3600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@mailgate.example.net"`)
	case name == apex || name == "_dmarc."+apex:
	default:
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

// serve starts s on ip:53, UDP and TCP, or skips the measurement.
func serve(t *testing.T, s *fleetServer, ip string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", ip+":53")
	if err != nil {
		t.Skipf("cannot listen on %s:53 (run as root): %v", ip, err)
	}
	ln, err := net.Listen("tcp", ip+":53")
	if err != nil {
		t.Skipf("cannot listen on %s:53: %v", ip, err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: ln, Handler: s}} {
		go srv.ActivateAndServe()
		t.Cleanup(func() { srv.Shutdown() })
	}
}

// TestFleet verifies 10,000 zones served by two in-process nameservers of
// two addresses each, through the built binary with NS discovery, and
// prints the wall time, peak memory, the questions each server answered and
// the most any one address had in flight.
//
//	VERIFY_BENCH=1 go test ./bench/verify -run TestFleet -v -count=1
func TestFleet(t *testing.T) {
	if os.Getenv("VERIFY_BENCH") == "" {
		t.Skip("a measurement: set VERIFY_BENCH=1 to run")
	}
	n := 10000
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailzone")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/mailzone").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	resolver := &fleetServer{}
	serve(t, resolver, "127.0.0.10")
	var auth []*fleetServer
	for _, ip := range []string{"127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"} {
		s := &fleetServer{auth: true}
		serve(t, s, ip)
		auth = append(auth, s)
	}
	var y bytes.Buffer
	y.WriteString(`version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults: {provider: files, resolver: "127.0.0.10:53"}
profiles:
  msp:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net], all: fail}
    dmarc: {policy: reject, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
domains:
`)
	for i := range n {
		fmt.Fprintf(&y, "  customer%05d.example: {profile: msp}\n", i)
	}
	os.WriteFile(filepath.Join(dir, "mailzone.yaml"), y.Bytes(), 0o644)
	start := time.Now()
	cmd := exec.Command("/usr/bin/time", "-f", "%e %M", bin, "verify", "--verify-timeout", "120s")
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	took := time.Since(start)
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	var wall float64
	var rss int
	fmt.Sscanf(lines[len(lines)-1], "%f %d", &wall, &rss)
	summary := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "verify: ") {
			summary = l
		}
	}
	fmt.Printf("verify of %d zones (2 nameservers × 2 addresses, discovered): exit %v, %.2fs wall (%v), peak RSS %.1f MB\n  %s\n  resolver: %d questions, most in flight %d\n",
		n, err, wall, took.Round(10*time.Millisecond), float64(rss)/1024, summary, resolver.questions.Load(), resolver.maxSeen.Load())
	for i, s := range auth {
		fmt.Printf("  nameserver address 127.0.0.1%d: %d questions, most in flight %d\n", i+1, s.questions.Load(), s.maxSeen.Load())
	}
}
