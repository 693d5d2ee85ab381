// Package dnsread measures plans of Cloudflare fleets read through the
// account's nameservers: the nightly drift check of an MSP, at the real client
// limits (4 API requests a second, burst 20), against the Cloudflare fake with
// its authoritative DNS front. It prints figures and asserts none.
package dnsread

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestCloudflareFleet runs, through the binary:
//  1. apply of N customer zones (at a raised rate, to set the fleet up);
//  2. a no-op plan at the real limits, read through DNS;
//  3. a plan after 1% of the zones drifted in the dashboard.
//
// For each plan it prints the wall time, the API requests by kind, the DNS
// questions and how many zones were read each way.
//
// The nameservers are found as a real run finds them: the ones Cloudflare
// assigned, resolved through the resolver (port 53 on 127.0.0.73, so root);
// DNSREAD_NS=explicit names them in verify.nameservers instead;
// DNSREAD_RTT=15ms delays every DNS answer, as nameservers that far away;
// DNSREAD_PARALLEL sets the plan's --parallel.
//
//	DNSREAD_BENCH=1 DNSREAD_N=10000 go test ./bench/dnsread -run TestCloudflareFleet -v -count=1 -timeout 30m
func TestCloudflareFleet(t *testing.T) {
	n := benchSize(t)
	dir := t.TempDir()
	bin := binary(t, dir)
	cf := fakecf.New(t)
	zones := make([]string, n)
	words := []string{"contoso", "fabrikam", "northwind", "tailspin", "wingtip", "woodgrove", "litware", "proseware", "adatum", "fourthcoffee"}
	for i := range zones {
		zones[i] = fmt.Sprintf("%s-%05d.com", words[i%len(words)], i)
		cf.AddZone(zones[i])
		cf.AddRecord(zones[i], fakecf.Record{Name: zones[i], Type: "A", Content: "203.0.113.10", TTL: 1})
		cf.AddRecord(zones[i], fakecf.Record{Name: zones[i], Type: "TXT", Content: `"google-site-verification=4ac9Xq1vT0mOlY7fz3lK"`, TTL: 1})
	}
	// The nameservers Cloudflare assigned (name_servers in the zone
	// listing) on port 53 of a loopback address, found through the front
	// standing in for the resolver, as a real run finds them; or, with
	// DNSREAD_NS=explicit, verify.nameservers naming the front's address.
	explicit := os.Getenv("DNSREAD_NS") == "explicit"
	addr, where := "127.0.0.73:53", fmt.Sprintf("resolver: %q", "127.0.0.73:53")
	if explicit {
		addr = "127.0.0.1:0"
	}
	front := cf.StartDNS(t, addr)
	if explicit {
		where = fmt.Sprintf("verify: {nameservers: [%q]}", front.Addr)
	} else {
		front.AddHost("ada.ns.cloudflare.com", net.ParseIP("127.0.0.73"))
		front.AddHost("bob.ns.cloudflare.com", net.ParseIP("127.0.0.73"))
	}
	rtt := ""
	if d, err := time.ParseDuration(os.Getenv("DNSREAD_RTT")); err == nil {
		front.SetLatency(d) // nameservers that far away, as over the internet
		rtt = fmt.Sprintf(", answering after %v", d)
	}
	t.Logf("nameservers: %s%s", where, rtt)
	config := func(rate string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "version: 1\nproviders:\n  cf: {type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q%s}\n", cf.URL(), rate)
		fmt.Fprintf(&b, "defaults: {provider: cf, ttl: 3600, %s, safety: {max_change_percent: 100}}\n", where)
		b.WriteString("profiles:\n  m365:\n    mx: inbound.mailgate.example.net\n    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com]}\n    dmarc: {policy: reject, rua: [\"mailto:dmarc-reports@mailgate.example.net\"]}\ndomains:\n")
		for _, z := range zones {
			tenant := strings.ReplaceAll(strings.TrimSuffix(z, ".com"), "-", "")
			dashed := strings.ReplaceAll(z, ".", "-")
			fmt.Fprintf(&b, "  %s: {profile: m365, dkim: {selector1: {cname: selector1-%s._domainkey.%s.onmicrosoft.com}, selector2: {cname: selector2-%s._domainkey.%s.onmicrosoft.com}}}\n", z, dashed, tenant, dashed, tenant)
		}
		path := filepath.Join(dir, "mailzone"+strings.TrimSpace(strings.NewReplacer(",", "", ":", "", " ", "", "\"", "").Replace(rate))+".yaml")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fast, real := config(`, rate: "2000"`), config("")
	env := append(os.Environ(), "CF_TOKEN="+fakecf.Token)
	start := time.Now()
	mz(t, bin, env, "apply", "--offline", "--yes", "--no-verify", "--parallel", "64", "-c", fast)
	t.Logf("setup: applied %d zones in %v", n, time.Since(start).Round(time.Millisecond))

	measure := func(what string, args ...string) {
		cf.ResetLog()
		q0 := front.Queries.Load()
		r := mz(t, bin, env, append(planArgs(real), args...)...)
		via, changed := readWays(t, r.out)
		kinds := map[string]int{}
		for _, r := range cf.Log() {
			switch {
			case r.Path == "/zones":
				kinds["zone listing"]++
			case strings.HasSuffix(r.Path, "/dns_records"):
				kinds["record listing"]++
			default:
				kinds[r.Method+" other"]++
			}
		}
		t.Logf("%s: %d zones in %v (exit %d, peak RSS %d MB): %d API requests %v, %d DNS questions; read from DNS %d, through the API %d; %d zone(s) with changes",
			what, n, r.took.Round(time.Millisecond), r.code, r.rss/1024, len(cf.Log()), kinds, front.Queries.Load()-q0, via["dns"], via["api"]+via[""], changed)
	}
	measure("no-op plan, --read dns")

	drift := n / 100
	for i := 0; i < drift; i++ {
		z := zones[i*100+37%100]
		for _, r := range cf.Records(z) {
			if r.Name == "_dmarc."+z {
				cf.DeleteRecord(z, r.ID)
			}
		}
		cf.AddRecord(z, fakecf.Record{Name: "_dmarc." + z, Type: "TXT", Content: `"v=DMARC1; p=none"`, TTL: 1})
	}
	measure(fmt.Sprintf("plan after %d zone(s) drifted, --read dns", drift))
}
