package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// TestSPFFlattening flattens an MSP's include, served by a real BIND
// server as the vendor's DNS, through the binary: the plan shows each
// netblock and the include it came from, apply publishes them, a range the
// vendor adds upstream shows up in the next plan, a vendor DNS that stops
// answering keeps the domain out of the plan with nothing written, and
// --offline keeps what is published.
func TestSPFFlattening(t *testing.T) {
	bindtest.Require(t)
	vendor := bindtest.StartPrimary(t, bindtest.Options{
		Zone:      "mailgate.example.net",
		MoreZones: []string{"contoso.com"},
		Records: []rrset.RRset{
			rrset.New("mailgate.example.net", "_spf", "TXT", 300, "v=spf1 ip4:192.0.2.0/24 include:_netblocks.mailgate.example.net -all"),
			rrset.New("mailgate.example.net", "_netblocks", "TXT", 300, "v=spf1 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 ~all"),
		},
	})
	dir := t.TempDir()
	zone := filepath.Join(dir, "zones", "contoso.com.zone")
	writeFile(t, zone, `$ORIGIN contoso.com.
$TTL 3600
@   IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026120101 7200 3600 1209600 300
@   IN NS  ns1.dnshost.example.net.
@   IN TXT "v=spf1 include:_spf.mailgate.example.net -all"
@   IN TXT "MS=ms48217713"
`)
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults: {provider: files, resolver: %q}
domains:
  contoso.com:
    spf:
      include: [_spf.mailgate.example.net]
      flatten: [_spf.mailgate.example.net]
`, vendor.Addr))
	r := runRaw(t, dir, nil, "plan", "--detailed-exitcode")
	if r.code != 2 || !strings.Contains(r.stdout, "include:_spf.mailgate.example.net  3 netblock(s), published by 1 domain(s)\n    192.0.2.0/24  198.51.100.0/25  2001:db8:1::/48") ||
		!strings.Contains(r.stdout, `+ "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 -all"`) {
		t.Fatalf("plan: %s", r)
	}
	t.Logf("plan:\n%s", r.stdout)
	if r := runRaw(t, dir, nil, "apply", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	text, _ := os.ReadFile(zone)
	if !strings.Contains(string(text), `"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 -all"`) || !strings.Contains(string(text), `"MS=ms48217713"`) {
		t.Fatalf("zone after apply:\n%s", text)
	}

	// The vendor adds a range: the next plan shows it, from the live DNS.
	m := new(dns.Msg)
	m.SetUpdate("mailgate.example.net.")
	old, _ := dns.NewRR(`_netblocks.mailgate.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 ~all"`)
	add, _ := dns.NewRR(`_netblocks.mailgate.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.0/25 ip4:203.0.113.128/25 ip6:2001:db8:1::/48 ~all"`)
	m.Remove([]dns.RR{old})
	m.Insert([]dns.RR{add})
	vendor.Update(t, m)
	r = runRaw(t, dir, nil, "plan", "--detailed-exitcode")
	if r.code != 2 || !strings.Contains(r.stdout, `+ "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 ip4:203.0.113.128/25 ip6:2001:db8:1::/48 -all"`) {
		t.Fatalf("plan after the vendor's change: %s", r)
	}

	// The vendor's DNS stops answering: the domain is left out, nothing is
	// written, and the plan says why.
	vendor.Stop()
	before, _ := os.ReadFile(zone)
	r = runRaw(t, dir, nil, "apply", "--yes", "--no-verify")
	after, _ := os.ReadFile(zone)
	if r.code != 1 || string(before) != string(after) || !strings.Contains(r.stdout, "contoso.com") {
		t.Fatalf("apply with the vendor DNS down: %s\n%s", r, after)
	}
	// Offline, what is published is kept.
	r = runRaw(t, dir, nil, "plan", "--offline", "--detailed-exitcode")
	if r.code != 0 || !strings.Contains(r.stderr, "their published SPF and _spf<N> records are kept as they are") {
		t.Errorf("offline plan: %s", r)
	}
}
