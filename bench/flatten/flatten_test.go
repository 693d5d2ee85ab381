// Package flatten measures the plan-time cost of SPF flattening over a
// fleet: 1,000 domains whose SPF flattens the same three vendor includes,
// planned through the built binary against an in-process resolver that
// counts every question. It prints figures and asserts nothing about time.
//
//	MAILZONE_BENCH=1 go test ./bench/flatten -run TestPlanFleet -v
package flatten

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/flatten/flattentest"
)

const vendors = `
_spf.mailgate.example.net.       TXT "v=spf1 ip4:192.0.2.0/24 include:_netblocks.mailgate.example.net -all"
_netblocks.mailgate.example.net. TXT "v=spf1 ip4:198.51.100.0/25 ip6:2001:db8:1::/48 ~all"
spf.esp.example.                 TXT "v=spf1 a:out.esp.example/28 mx:esp.example -all"
out.esp.example.                 A   203.0.113.16
esp.example.                     MX  10 mx1.esp.example.
mx1.esp.example.                 A   203.0.113.40
mx1.esp.example.                 AAAA 2001:db8:40::25
_spf.crm.example.                TXT "v=spf1 ip4:203.0.113.128/26 ip4:203.0.113.192/27 -all"
`

func TestPlanFleet(t *testing.T) {
	if os.Getenv("MAILZONE_BENCH") != "1" {
		t.Skip("MAILZONE_BENCH=1 runs the fleet benchmark")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailzone")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/mailzone").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	up := flattentest.New(t, vendors)
	const n = 1000
	var y strings.Builder
	fmt.Fprintf(&y, `version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults: {provider: files, resolver: %q, safety: {max_change_percent: 100}}
profiles:
  msp:
    spf:
      include: [_spf.mailgate.example.net, spf.esp.example, _spf.crm.example]
      flatten: [_spf.mailgate.example.net, spf.esp.example, _spf.crm.example]
domains:
`, up.Addr)
	os.MkdirAll(filepath.Join(dir, "zones"), 0o755)
	for i := range n {
		name := fmt.Sprintf("customer%04d.example", i)
		fmt.Fprintf(&y, "  %s: {profile: msp}\n", name)
		os.WriteFile(filepath.Join(dir, "zones", name+".zone"), []byte(fmt.Sprintf("$ORIGIN %s.\n$TTL 3600\n@ IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 1 7200 3600 1209600 300\n@ IN NS ns1.dnshost.example.net.\n", name)), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "mailzone.yaml"), []byte(y.String()), 0o644)
	for _, mode := range [][]string{{"plan", "--offline"}, {"plan"}} {
		up.Queries.Store(0)
		start := time.Now()
		cmd := exec.Command(bin, mode...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		took := time.Since(start)
		if err != nil && !strings.Contains(string(out), "Plan:") {
			t.Fatalf("%v: %v\n%s", mode, err, out)
		}
		fmt.Printf("%-14s %d domains: %v wall, %d DNS questions to the resolver\n", strings.Join(mode, " "), n, took.Round(time.Millisecond), up.Queries.Load())
	}
}
