package cli

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestParallelOutputStable: the plan of a fleet is the same text whatever the
// parallelism and timing.
func TestParallelOutputStable(t *testing.T) {
	cf := fakecf.New(t)
	cf.SetLatency(2 * time.Millisecond)
	path, ds := fleetConfig(t, 40, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"1000\"}", cf.URL()))
	for i, d := range ds {
		cf.AddZone(d.Name)
		if i%3 == 0 {
			cf.AddRecord(d.Name, fakecf.Record{Name: d.Name, Type: "TXT", Content: "v=spf1 ~all", TTL: 300})
		}
	}
	vars := map[string]string{"T": fakecf.Token}
	base := mz(t, vars, "", "plan", "--offline", "-c", path, "--parallel", "1")
	if base.code != 0 {
		t.Fatalf("plan: %d %s", base.code, base.stderr)
	}
	for _, p := range []string{"4", "16", "64"} {
		r := mz(t, vars, "", "plan", "--offline", "-c", path, "--parallel", p)
		if r.stdout != base.stdout {
			t.Errorf("--parallel %s changed the plan output", p)
		}
	}
}

// TestNoGoroutinesLeftBehind plans a fleet in-process and checks that the
// goroutines it started are gone afterwards (none per domain remains).
func TestNoGoroutinesLeftBehind(t *testing.T) {
	cf := fakecf.New(t)
	path, ds := fleetConfig(t, 200, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"10000\"}", cf.URL()))
	for _, d := range ds {
		cf.AddZone(d.Name)
	}
	before := runtime.NumGoroutine()
	if r := mz(t, map[string]string{"T": fakecf.Token}, "", "plan", "--offline", "-c", path); r.code != 0 {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	// Idle keep-alive connections of the provider's HTTP client may hold a few
	// goroutines for a while; nothing may scale with the 200 domains.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+10 {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after planning 200 domains:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
