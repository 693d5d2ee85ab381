// Package fleet measures mailzone over fleets of 100 to 10,000 domains: wall
// time and peak memory of plan (no-op and with changes) and apply, on zone
// files and over the Cloudflare and Route53 fakes with 30 ms of latency and
// the providers' real rate limits, next to the floor those limits impose.
//
// It is a benchmark, not a test: it runs only when MAILZONE_BENCH=1, and
// prints a table.
//
//	MAILZONE_BENCH=1 go test ./bench/fleet -run TestFleet -v -timeout 2h
//
// Knobs: MAILZONE_BENCH_N (default "100,1000,10000"), MAILZONE_BENCH_PROVIDERS
// (default "zonefile,cloudflare,route53"), MAILZONE_BENCH_API_MAX_N (largest N
// run over the fakes at their real limits, default 100; larger N run with the
// limits multiplied by MAILZONE_BENCH_SCALE, default 25, and say so).
package fleet

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mailzone/mailzone/cli" // registers the provider types
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

const latency = 30 * time.Millisecond

// run is one measured command.
type run struct {
	wall   time.Duration
	rssKB  int64
	code   int
	output string
}

func measure(t *testing.T, bin string, env []string, args ...string) run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := run{wall: time.Since(start), output: out.String()}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.rssKB = ru.Maxrss
		}
	}
	if err != nil && r.code == 0 {
		t.Fatalf("%v: %v", args, err)
	}
	return r
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func TestFleet(t *testing.T) {
	if os.Getenv("MAILZONE_BENCH") != "1" {
		t.Skip("benchmark: set MAILZONE_BENCH=1 to run")
	}
	root, _ := filepath.Abs("../..")
	bin := filepath.Join(t.TempDir(), "mailzone")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mailzone")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	apiMax, _ := strconv.Atoi(env("MAILZONE_BENCH_API_MAX_N", "100"))
	scale, _ := strconv.ParseFloat(env("MAILZONE_BENCH_SCALE", "25"), 64)
	var rows []string
	for _, ns := range strings.Split(env("MAILZONE_BENCH_N", "100,1000,10000"), ",") {
		n, _ := strconv.Atoi(ns)
		for _, prov := range strings.Split(env("MAILZONE_BENCH_PROVIDERS", "zonefile,cloudflare,route53"), ",") {
			s := 1.0
			if prov != "zonefile" && n > apiMax {
				s = scale
			}
			rows = append(rows, bench(t, root, bin, prov, n, s)...)
		}
	}
	fmt.Println()
	fmt.Println("| provider | domains | run | wall | peak RSS | requests | req/domain | floor | wall/floor |")
	fmt.Println("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		fmt.Println(r)
	}
}

// bench measures one provider at one fleet size and returns table rows.
func bench(t *testing.T, root, bin, prov string, n int, scale float64) []string {
	dir := t.TempDir()
	var block string
	var vars []string
	var count func() int
	var reset func()
	var rate float64
	var seed func([]*schema.Domain)
	limits := "real limits"
	if scale != 1 {
		limits = fmt.Sprintf("limits ×%g", scale)
	}
	switch prov {
	case "zonefile":
		block = "files"
	case "cloudflare":
		cf := fakecf.New(t)
		cf.SetLatency(latency)
		d := throttle.CloudflareDefaults()
		rate = d.Rate * scale
		block = fmt.Sprintf("{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q, rate: \"%g\"}", cf.URL(), rate)
		vars = []string{"CF_TOKEN=" + fakecf.Token}
		count, reset = func() int { return len(cf.Log()) }, cf.ResetLog
		seed = func(ds []*schema.Domain) { seedCloudflare(cf, ds) }
	case "route53":
		r53 := fakeroute53.Start(t)
		r53.SetLatency(latency)
		d := throttle.Route53Defaults()
		rate = d.Rate * scale
		block = fmt.Sprintf("{type: route53, region: us-east-1, access_key_id: \"${K}\", secret_access_key: \"${S}\", endpoint: %q, rate: \"%g\"}", r53.URL(), rate)
		vars = []string{"K=AKIDEXAMPLE", "S=benchsecret", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
		count, reset = func() int { return len(r53.Requests()) }, r53.ResetLog
		seed = func(ds []*schema.Domain) { seedRoute53(r53, ds) }
	}
	gen := exec.Command("go", "run", "./bench/gen", "-n", strconv.Itoa(n), "-dir", dir, "-state", "mixed", "-provider", block)
	gen.Dir = root
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "mailzone.yaml")
	if seed != nil {
		data, _ := os.ReadFile(cfg)
		c, err := schema.Parse(cfg, data, func(string) (string, bool) { return "x", true })
		if err != nil {
			t.Fatal(err)
		}
		seed(c.Domains)
	}
	var rows []string
	row := func(what string, r run) {
		req, perDomain, floor, ratio := "-", "-", "-", "-"
		if count != nil {
			c := count()
			req = strconv.Itoa(c)
			perDomain = fmt.Sprintf("%.2f", float64(c)/float64(n))
			// The floor: requests at the allowed rate, or requests × latency
			// over the parallelism, whichever is longer. The client's burst
			// (20 for Cloudflare, 5 for Route 53) lets a run beat it slightly.
			byRate := time.Duration(float64(c) / rate * float64(time.Second))
			byLatency := time.Duration(c) * latency / 16
			f := max(byRate, byLatency)
			floor = f.Round(10 * time.Millisecond).String()
			ratio = fmt.Sprintf("%.2f", float64(r.wall)/float64(f))
			what += " (" + limits + ")"
		}
		rows = append(rows, fmt.Sprintf("| %s | %d | %s | %s | %.0f MB | %s | %s | %s | %s |",
			prov, n, what, r.wall.Round(10*time.Millisecond), float64(r.rssKB)/1024, req, perDomain, floor, ratio))
		t.Log(rows[len(rows)-1])
	}
	do := func(what string, want int, args ...string) {
		if reset != nil {
			reset()
		}
		r := measure(t, bin, vars, args...)
		if r.code != want {
			t.Fatalf("%s %v: exit %d, want %d\n%s", prov, args, r.code, want, tail(r.output))
		}
		row(what, r)
	}
	// These fakes have no nameservers: every zone is listed through the
	// API (bench/dnsread measures plans read through DNS).
	do("plan, half the domains with changes", 0, "plan", "--offline", "--read", "api", "-c", cfg)
	do("apply", 0, "apply", "--offline", "--read", "api", "--no-verify", "--yes", "-c", cfg)
	do("plan, no-op", 0, "plan", "--offline", "--read", "api", "--detailed-exitcode", "-c", cfg)
	return rows
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// state is what a domain's zone holds before the run, as bench/gen writes it
// for zone files with -state mixed: odd domains hold old mail records.
func state(i int, d *schema.Domain) []rrset.RRset {
	z := d.Name
	out := []rrset.RRset{
		rrset.New(z, "@", "A", 300, "192.0.2.10"),
		rrset.New(z, "www", "CNAME", 300, z+"."),
	}
	if i%2 == 1 {
		return append(out,
			rrset.New(z, "@", "MX", 3600, "10 mx1.oldhost.example.", "20 mx2.oldhost.example."),
			rrset.New(z, "@", "TXT", 3600, "v=spf1 include:_spf.oldhost.example ~all", "google-site-verification=0123456789"),
			rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"))
	}
	for _, r := range d.Records() {
		if r.Set.Empty() {
			continue
		}
		s := r.Set
		if r.Field == "spf" {
			s = rrset.New(".", s.Name, s.Type, s.TTL, append(s.Values, "google-site-verification=0123456789")...)
		}
		out = append(out, s)
	}
	return out
}

func seedCloudflare(cf *fakecf.Server, ds []*schema.Domain) {
	for i, d := range ds {
		cf.AddZone(d.Name)
		for _, s := range state(i, d) {
			for _, v := range s.Values {
				r := fakecf.Record{Name: strings.TrimSuffix(s.Name, "."), Type: s.Type, Content: v, TTL: int(s.TTL)}
				switch s.Type {
				case "MX":
					var pref uint16
					var host string
					fmt.Sscan(v, &pref, &host)
					r.Priority, r.Content = &pref, strings.TrimSuffix(host, ".")
				case "CNAME":
					r.Content = strings.TrimSuffix(v, ".")
				}
				cf.AddRecord(d.Name, r)
			}
		}
	}
}

func seedRoute53(r53 *fakeroute53.Server, ds []*schema.Domain) {
	for i, d := range ds {
		id := r53.AddZone(d.Name)
		for _, s := range state(i, d) {
			vals := append([]string(nil), s.Values...)
			if s.Type == "TXT" {
				for j := range vals {
					vals[j] = rrset.QuoteTXT(vals[j])
				}
			}
			r53.SetRRset(id, s.Name, s.Type, int64(s.TTL), vals...)
		}
	}
}
