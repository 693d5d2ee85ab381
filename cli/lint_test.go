package cli

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// nxResolver is a resolver on loopback that answers NXDOMAIN for every name:
// the world where none of the quick start's .example names exist.
func nxResolver(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		m.RecursionAvailable = true
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// TestLintGatesPlanAndApply: plan leaves out the domains lint finds errors in
// and exits 1; apply writes nothing at all while any domain has an error.
func TestLintGatesPlanAndApply(t *testing.T) {
	cfg := quickstart(t)
	resolver := nxResolver(t)
	before := readZones(t, cfg)

	r := mz(t, nil, "", "plan", "-c", cfg, "--resolver", resolver)
	if r.code != 1 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "error: mx: MX target inbound.mailgate.example.net. has no A or AAAA record") ||
		!strings.Contains(r.stderr, "2 domain(s) not planned because the checks above found errors") {
		t.Errorf("plan stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout, "acme-shop.example") || !strings.Contains(r.stdout, "zone old-brand.example") {
		t.Errorf("plan should cover only the parked domain, which passes:\n%s", r.stdout)
	}

	r = mz(t, nil, "", "apply", "-c", cfg, "--resolver", resolver, "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "nothing was changed: the whole configuration must pass lint before any write") {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}
	if !equalMaps(before, readZones(t, cfg)) {
		t.Fatal("apply wrote although lint found errors")
	}

	r = mz(t, nil, "", "lint", "-c", cfg, "--resolver", resolver)
	if r.code != 1 || !strings.Contains(r.stdout, "3 domain(s), ") {
		t.Fatalf("lint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
