package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestReadThroughDNSInProcess runs the DNS-first read in-process (so that
// go test -race sees it): 150 Cloudflare zones, the account listing in the
// background while zones are read from the nameservers, and three drifted
// zones whose lookups wait for the listing's pages.
func TestReadThroughDNSInProcess(t *testing.T) {
	cf := fakecf.New(t)
	front := cf.StartDNS(t, "127.0.0.1:0")
	path, ds := fleetConfig(t, 150, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"1000\"}", cf.URL()))
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), "defaults: {provider: dns, ttl: 3600}",
		fmt.Sprintf("defaults: {provider: dns, ttl: 3600, verify: {nameservers: [%q]}}", front.Addr), 1)), 0o644)
	for _, d := range ds {
		cf.AddZone(d.Name)
	}
	vars := map[string]string{"T": fakecf.Token}
	if r := mz(t, vars, "", "apply", "--offline", "--yes", "--no-verify", "-c", path); r.code != 0 {
		t.Fatalf("apply: %d %s%s", r.code, r.stdout, r.stderr)
	}
	for _, z := range []string{"c0007.example", "c0080.example", "c0149.example"} {
		for _, rec := range cf.Records(z) {
			if rec.Name == "_dmarc."+z {
				cf.DeleteRecord(z, rec.ID)
			}
		}
	}
	cf.ResetLog()
	r := mz(t, vars, "", "plan", "--offline", "--detailed-exitcode", "-c", path)
	if r.code != 2 || strings.Count(r.stdout, "(read from its nameservers)") != 147 || !strings.Contains(r.stdout, "Plan: 3 to add, 0 to change, 0 to delete.") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	listings := 0
	for _, q := range cf.Log() {
		if strings.HasSuffix(q.Path, "/dns_records") {
			listings++
		}
	}
	if listings != 3 {
		t.Errorf("%d zones listed, want the 3 drifted", listings)
	}
}

// TestInterruptStopsZoneListing: Ctrl-C during a plan of 300 Cloudflare
// zones whose reads wait for the account's zone listing (6 pages, each
// answered slowly): the listing stops with the run, instead of paging on
// to the end before the plan can stop.
func TestInterruptStopsZoneListing(t *testing.T) {
	cf := fakecf.New(t)
	path, ds := fleetConfig(t, 300, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"1000\"}", cf.URL()))
	data, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(data), "defaults: {provider: dns, ttl: 3600}", `defaults: {provider: dns, ttl: 3600, resolver: "127.0.0.1:1"}`, 1)), 0o644)
	for _, d := range ds {
		cf.AddZone(d.Name)
	}
	cf.SetLatency(150 * time.Millisecond)
	sig := make(chan os.Signal, 1)
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Signals: sig,
		Getenv: func(k string) string { return map[string]string{"T": fakecf.Token}[k] },
		LookupEnv: func(k string) (string, bool) {
			v, ok := map[string]string{"T": fakecf.Token}[k]
			return v, ok
		}}
	done := make(chan int)
	go func() { done <- Main([]string{"plan", "--offline", "-c", path}, env) }()
	time.Sleep(400 * time.Millisecond) // the listing is on its second or third page
	sig <- os.Interrupt
	code := <-done
	// Long enough for a listing that went on in the background to page to
	// its end (3 more pages of 150 ms).
	time.Sleep(time.Second)
	pages := 0
	for _, q := range cf.Log() {
		if q.Path == "/zones" && q.Query.Get("name") == "" {
			pages++
		}
	}
	if code != 130 || pages >= 6 {
		t.Errorf("exit %d after %d of 6 listing pages; want 130 and the listing stopped\n%s", code, pages, errb.String())
	}
	t.Logf("interrupted after %d listing page(s)", pages)
}
