package fleet

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// TestShards checks that shards split zones into disjoint sets whose union is
// all, that a zone's shard does not depend on the other zones, and that
// growing N moves few zones.
func TestShards(t *testing.T) {
	var ts []*Target
	for i := 0; i < 2000; i++ {
		ts = append(ts, &Target{Zone: fmt.Sprintf("customer%05d.example", i)})
	}
	shardOfZone := func(ts []*Target, n int) map[string]int {
		out := map[string]int{}
		for k := 1; k <= n; k++ {
			got, err := InShard(ts, fmt.Sprintf("%d/%d", k, n))
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range got {
				if prev, dup := out[x.Zone]; dup {
					t.Fatalf("%s in shards %d and %d", x.Zone, prev, k)
				}
				out[x.Zone] = k
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
	more := append(append([]*Target(nil), ts...), &Target{Zone: "new1.example"}, &Target{Zone: "new2.example"})
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
		if _, err := InShard(ts, bad); err == nil {
			t.Errorf("--shard %s accepted", bad)
		}
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
		p := &Progress{w: &b, verb: "plan", total: tt.total, terminal: tt.terminal, start: now, lastDrawn: now,
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
