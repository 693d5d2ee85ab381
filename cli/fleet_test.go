package cli

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

// TestShards checks that shards split zones into disjoint sets whose union is
// all, that a zone's shard does not depend on the other zones, and that
// growing N moves few zones.
func TestShards(t *testing.T) {
	var ts []*target
	for i := 0; i < 2000; i++ {
		ts = append(ts, &target{zone: fmt.Sprintf("customer%05d.example", i)})
	}
	shardOfZone := func(ts []*target, n int) map[string]int {
		out := map[string]int{}
		for k := 1; k <= n; k++ {
			f := fleetFlags{shard: fmt.Sprintf("%d/%d", k, n)}
			got, err := f.inShard(ts)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range got {
				if prev, dup := out[x.zone]; dup {
					t.Fatalf("%s in shards %d and %d", x.zone, prev, k)
				}
				out[x.zone] = k
			}
			// balance: each shard within 25% of its fair share
			if fair := len(ts) / n; len(got) < fair*3/4 || len(got) > fair*5/4 {
				t.Errorf("shard %d/%d holds %d of %d zones", k, n, len(got), len(ts))
			}
		}
		if len(out) != len(ts) {
			t.Fatalf("shards of %d cover %d of %d zones", n, len(out), len(ts))
		}
		return out
	}
	four := shardOfZone(ts, 4)
	// Adding zones moves none of the others.
	more := append(append([]*target(nil), ts...), &target{zone: "new1.example"}, &target{zone: "new2.example"})
	for z, k := range shardOfZone(more, 4) {
		if old, ok := four[z]; ok && old != k {
			t.Errorf("adding zones moved %s from shard %d to %d", z, old, k)
		}
	}
	// Growing from 4 to 5 shards moves about a fifth of the zones, all to the new one.
	moved := 0
	for z, k := range shardOfZone(ts, 5) {
		if k != four[z] {
			moved++
			if k != 5 {
				t.Errorf("%s moved from shard %d to %d, not to the new shard", z, four[z], k)
			}
		}
	}
	if moved > len(ts)/4 {
		t.Errorf("growing to 5 shards moved %d of %d zones", moved, len(ts))
	}
	for _, bad := range []string{"0/4", "5/4", "1", "a/b", "1/0"} {
		if _, err := (&fleetFlags{shard: bad}).inShard(ts); err == nil {
			t.Errorf("--shard %s accepted", bad)
		}
	}
}

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

// TestProgress: a bar on a terminal, quiet periodic lines elsewhere, nothing
// for short runs.
func TestProgress(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	for _, tt := range []struct {
		terminal bool
		total    int
		want     string
	}{
		{false, 10, ""},
		{false, 100, "plan: 50/100 zones, 1 errors, 5s\nplan: 100/100 zones, 1 errors, 10s\n"},
		{true, 100, "\rplan [==========          ] 50/100 zones  1 errors  5s \rplan [====================] 100/100 zones  1 errors  10s \r\x1b[K"},
	} {
		var b bytes.Buffer
		p := &progress{w: &b, verb: "plan", total: tt.total, terminal: tt.terminal, start: now, lastDrawn: now,
			minTotal: 20, lineEvery: 5 * time.Second, barEvery: 5 * time.Second, barWidth: 20, nowForTest: clock}
		for i := 0; i < tt.total; i++ {
			now = now.Add(100 * time.Millisecond)
			p.done(i != 7)
		}
		p.finish()
		if b.String() != tt.want {
			t.Errorf("terminal %v, %d items:\n got %q\nwant %q", tt.terminal, tt.total, b.String(), tt.want)
		}
		now = time.Unix(0, 0)
	}
}
