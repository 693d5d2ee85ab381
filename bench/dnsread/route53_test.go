package dnsread

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
)

// TestRoute53Fleet is TestCloudflareFleet for a Route 53 account whose
// customer zones share one reusable (white-label) delegation set, at the
// real client limit (5 requests a second, burst 5): apply N zones (at a
// raised rate), then a no-op plan and a plan after 1% drifted, through the
// binary, with the set's nameservers on port 53 of 127.0.0.74.
//
//	DNSREAD_BENCH=1 DNSREAD_N=1000 go test ./bench/dnsread -run TestRoute53Fleet -v -count=1 -timeout 30m
func TestRoute53Fleet(t *testing.T) {
	n := benchSize(t)
	dir := t.TempDir()
	bin := binary(t, dir)
	const ip = "127.0.0.74"
	r53 := fakeroute53.Start(t)
	nameservers := []string{"ns1.mailgate-dns.net", "ns2.mailgate-dns.net", "ns3.mailgate-dns.org", "ns4.mailgate-dns.co.uk"}
	set := r53.AddDelegationSet(nameservers...)
	zones := make([]string, n)
	ids := map[string]string{}
	for i := range zones {
		zones[i] = fmt.Sprintf("customer-%05d.com", i)
		id := r53.AddZoneInSet(zones[i], set)
		ids[zones[i]] = id
		r53.SetRRset(id, zones[i], "A", 300, "203.0.113.10")
		r53.SetRRset(id, zones[i], "TXT", 300, `"google-site-verification=4ac9Xq1vT0mOlY7fz3lK"`)
	}
	front := r53.StartDNS(t, ip+":53")
	for _, ns := range nameservers {
		front.AddHost(ns, net.ParseIP(ip))
	}
	config := func(rate string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "version: 1\nproviders:\n  aws: {type: route53, region: us-east-1, access_key_id: \"${AWS_KEY}\", secret_access_key: \"${AWS_SECRET}\", endpoint: %q%s}\n", r53.URL(), rate)
		fmt.Fprintf(&b, "defaults: {provider: aws, ttl: 3600, resolver: %q, safety: {max_change_percent: 100}}\n", ip+":53")
		b.WriteString("profiles:\n  std: {mx: inbound.mailgate.example.net, spf: {include: [_spf.mailgate.example.net]}, dmarc: {policy: reject, rua: [\"mailto:dmarc-reports@mailgate.example.net\"]}}\ndomains:\n")
		for _, z := range zones {
			fmt.Fprintf(&b, "  %s: {profile: std}\n", z)
		}
		path := filepath.Join(dir, fmt.Sprintf("mailzone-%d.yaml", len(rate)))
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fast, real := config(`, rate: "2000"`), config("")
	env := append(os.Environ(), "AWS_KEY=AKIDEXAMPLE", "AWS_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	start := time.Now()
	mz(t, bin, env, "apply", "--offline", "--yes", "--no-verify", "--parallel", "64", "-c", fast)
	t.Logf("setup: applied %d zones in %v", n, time.Since(start).Round(time.Millisecond))
	measure := func(what string) {
		r53.ResetLog()
		q0 := front.Queries.Load()
		r := mz(t, bin, env, planArgs(real)...)
		via, changed := readWays(t, r.out)
		actions := map[string]int{}
		for _, q := range r53.Requests() {
			actions[q.Action]++
		}
		t.Logf("%s: %d zones in %v (exit %d, peak RSS %d MB): %d API requests %v, %d DNS questions; read from DNS %d, through the API %d; %d zone(s) with changes",
			what, n, r.took.Round(time.Millisecond), r.code, r.rss/1024, len(r53.Requests()), actions, front.Queries.Load()-q0, via["dns"], via["api"]+via[""], changed)
	}
	measure("no-op plan")
	drift := n / 100
	for i := 0; i < drift; i++ {
		z := zones[i*100+37]
		r53.SetRRset(ids[z], "_dmarc."+z, "TXT", 3600, `"v=DMARC1; p=none"`)
	}
	measure(fmt.Sprintf("plan after %d zone(s) drifted", drift))
}
