package cli

import (
	"net"
	"os"
	"path/filepath"
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
// TestLintExcludesOnlyItsDomains: online lint errors (an unauthorized report
// destination, an MX without address) exclude the domains they concern; the
// others are planned and applied, the exclusions are listed first in every
// rendering and in the saved plan, apply FILE reports them again, and the exit
// code is 1.
func TestLintExcludesOnlyItsDomains(t *testing.T) {
	cfg := quickstart(t)
	dir := filepath.Dir(cfg)
	resolver := nxResolver(t)
	before := readZones(t, cfg)

	r := mz(t, nil, "", "plan", "-c", cfg, "--resolver", resolver)
	if r.code != 1 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "error: mx: MX target inbound.mailgate.example.net. has no A or AAAA record") ||
		!strings.Contains(r.stderr, "2 domain(s) were left out because the checks that need DNS found errors in them: acme-shop.example, northwind.example") {
		t.Errorf("plan stderr:\n%s", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Error: 2 domain(s) were not planned; the checks that need DNS found errors:\n  acme-shop.example\n    - mx: MX target") ||
		!strings.Contains(r.stdout, "zone old-brand.example") || strings.Contains(r.stdout, "zone acme-shop.example") {
		t.Errorf("plan should list the exclusions first and cover only the parked domain:\n%s", r.stdout)
	}
	md := mz(t, nil, "", "plan", "-c", cfg, "--resolver", resolver, "--format", "markdown")
	if !strings.Contains(md.stdout, "> **Partial plan: 2 domain(s) were not planned.**") ||
		strings.Index(md.stdout, "`acme-shop.example`: mx: MX target") > strings.Index(md.stdout, "**Plan for the rest:**") {
		t.Errorf("markdown does not start with what was not planned:\n%s", md.stdout)
	}
	saved := filepath.Join(dir, "plan.json")
	if r := mz(t, nil, "", "plan", "-c", cfg, "--resolver", resolver, "-out", saved); r.code != 1 {
		t.Fatalf("plan -out: exit %d", r.code)
	}
	data, _ := os.ReadFile(saved)
	if !strings.Contains(string(data), `"excluded": [`) || !strings.Contains(string(data), `"domain": "northwind.example"`) {
		t.Errorf("saved plan lacks its exclusions:\n%.600s", data)
	}

	r = mz(t, nil, "", "apply", "-c", cfg, saved, "--no-verify")
	if r.code != 1 || !strings.HasPrefix(r.stdout, "Error: 2 domain(s) were not planned") || !strings.Contains(r.stderr, "2 domain(s) were left out") {
		t.Fatalf("apply FILE: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	after := readZones(t, cfg)
	for _, z := range []string{"acme-shop.example.zone", "northwind.example.zone"} {
		if after[z] != before[z] {
			t.Errorf("%s was written although lint excluded it", z)
		}
	}
	if after["old-brand.example.zone"] == before["old-brand.example.zone"] {
		t.Error("the parked domain, which passes lint, was not applied")
	}

	r = mz(t, nil, "", "apply", "-c", cfg, "--resolver", resolver, "--yes", "--no-verify")
	if r.code != 1 || !strings.Contains(r.stderr, "2 domain(s) were left out") {
		t.Fatalf("apply: exit %d\n%s", r.code, r.stderr)
	}

	r = mz(t, nil, "", "lint", "-c", cfg, "--resolver", resolver)
	if r.code != 1 || !strings.Contains(r.stdout, "3 domain(s), ") {
		t.Fatalf("lint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
