package dnsread

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
	if os.Getenv("DNSREAD_BENCH") == "" {
		t.Skip("a measurement: set DNSREAD_BENCH=1 to run")
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("DNSREAD_N")); err == nil && v > 0 {
		n = v
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailzone")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mailzone/mailzone/cmd/mailzone").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
	mz := func(args ...string) (int, []byte, time.Duration, int64) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		var rss int64
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != 0 && code != 2 {
			t.Fatalf("mailzone %v: exit %d\n%s", args[:2], code, errb.String())
		}
		return code, out.Bytes(), took, rss
	}
	start := time.Now()
	mz("apply", "--offline", "--yes", "--no-verify", "--parallel", "64", "-c", fast)
	t.Logf("setup: applied %d zones in %v", n, time.Since(start).Round(time.Millisecond))
	measure := func(what string) {
		r53.ResetLog()
		q0 := front.Queries.Load()
		code, out, took, rss := mz("plan", "--offline", "--detailed-exitcode", "--format", "json", "-c", real)
		var p struct {
			Zones []struct {
				ReadVia string            `json:"read_via"`
				Changes []json.RawMessage `json:"changes"`
			} `json:"zones"`
		}
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		via, changed := map[string]int{}, 0
		for _, z := range p.Zones {
			via[z.ReadVia]++
			if len(z.Changes) > 0 {
				changed++
			}
		}
		actions := map[string]int{}
		for _, q := range r53.Requests() {
			actions[q.Action]++
		}
		t.Logf("%s: %d zones in %v (exit %d, peak RSS %d MB): %d API requests %v, %d DNS questions; read from DNS %d, through the API %d; %d zone(s) with changes",
			what, n, took.Round(time.Millisecond), code, rss/1024, len(r53.Requests()), actions, front.Queries.Load()-q0, via["dns"], via["api"]+via[""], changed)
	}
	measure("no-op plan")
	drift := n / 100
	for i := 0; i < drift; i++ {
		z := zones[i*100+37]
		r53.SetRRset(ids[z], "_dmarc."+z, "TXT", 3600, `"v=DMARC1; p=none"`)
	}
	measure(fmt.Sprintf("plan after %d zone(s) drifted", drift))
}
