package e2e

import (
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// genFleet writes a fleet of n domains whose zones all need changes, with the
// repository's benchmark generator, and returns its directory.
func genFleet(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "template")
	gen := exec.Command("go", "run", "github.com/mailzone/mailzone/bench/gen", "-n", fmt.Sprint(n), "-dir", dir, "-state", "changes")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("bench/gen: %v\n%s", err, out)
	}
	return dir
}

// killSeed returns the seed of a randomized test, logged for reruns.
func killSeed(t *testing.T) uint64 {
	seed := uint64(envInt("MAILZONE_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("seed %d (rerun with MAILZONE_SEED=%d)", seed, seed)
	return seed
}

// killAfter starts the binary and SIGKILLs it after d, unless it ended first.
// It reports whether the kill landed.
func killAfter(t *testing.T, cmd *exec.Cmd, d time.Duration) bool {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(d):
	}
	cmd.Process.Kill() // SIGKILL
	<-done
	return true
}

// unmanagedLines are the lines of a generated zone file mailzone must not touch:
// all but the SOA and the old mail records.
func unmanagedLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "SOA") || strings.Contains(l, "; serial") || strings.Contains(l, "\tMX\t") || strings.Contains(l, "v=spf1") || strings.Contains(l, "v=DMARC1") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// TestCrashZonefile kills `mailzone apply --yes` over a fleet of zone files at
// random points and checks that every file is whole (the old text or the fully
// applied text, never a mix), that no unmanaged line changed, that no temporary
// file outlives the next run, and that a fresh plan then apply converges.
func TestCrashZonefile(t *testing.T) {
	kills := envInt("MAILZONE_KILLS", 20)
	domains := 200
	if long() {
		kills, domains = envInt("MAILZONE_KILLS", 100), 1000
	}
	rng := rand.New(rand.NewPCG(killSeed(t), 2))
	template := genFleet(t, domains)
	orig := tree(t, template)

	// A full apply, timed: the kills fall anywhere within it, and its result is
	// the only other state a file may be in.
	ref := filepath.Join(t.TempDir(), "ref")
	copyTree(t, template, ref)
	start := time.Now()
	if r := run(t, ref, nil, "apply", "--yes"); r.code != 0 {
		t.Fatalf("reference apply: %s", r)
	}
	full := time.Since(start)
	applied := tree(t, ref)
	t.Logf("a full apply of %d zones takes %v", domains, full)

	landed, mid, leftovers := 0, 0, 0
	for i := 0; i < kills; i++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		copyTree(t, template, dir)
		delay := time.Duration(rng.Int64N(int64(full) + 1))
		if !killAfter(t, command(t, dir, nil, "apply", "--yes"), delay) {
			continue
		}
		landed++
		got := tree(t, dir)
		changed := 0
		for name, text := range got {
			switch {
			case strings.HasSuffix(name, ".lock"):
				continue
			case name == "mailzone.yaml":
				continue
			case !strings.HasSuffix(name, ".zone"):
				// A temporary file of an interrupted write: it must never be
				// mistaken for a zone, and the next run removes it.
				if !strings.HasPrefix(filepath.Base(name), ".") {
					t.Errorf("kill %d after %v: unexpected file %s", i, delay, name)
				}
				leftovers++
				continue
			case text == orig[name]:
			case text == applied[name]:
				changed++
			default:
				t.Errorf("kill %d after %v: %s is neither the old nor the applied text:\n%s", i, delay, name, text)
			}
			zp := dns.NewZoneParser(strings.NewReader(text), "", name)
			for _, ok := zp.Next(); ok; _, ok = zp.Next() {
			}
			if err := zp.Err(); err != nil {
				t.Errorf("kill %d: %s does not parse: %v", i, name, err)
			}
			for _, l := range unmanagedLines(orig[name]) {
				if !slices.Contains(strings.Split(text, "\n"), l) {
					t.Errorf("kill %d: %s lost unmanaged line %q", i, name, l)
				}
			}
		}
		if changed > 0 && changed < domains {
			mid++
		}
		if r := run(t, dir, nil, "apply", "--yes"); r.code != 0 {
			t.Fatalf("kill %d: apply after the kill: %s", i, r)
		}
		if r := run(t, dir, nil, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("kill %d: plan after the recovery apply is not empty: %s", i, r)
		}
		for name := range tree(t, dir) {
			if !strings.HasSuffix(name, ".zone") && !strings.HasSuffix(name, ".lock") && name != "mailzone.yaml" {
				t.Errorf("kill %d: %s left behind after the recovery apply", i, name)
			}
		}
		if t.Failed() {
			t.Fatalf("stopping at kill %d", i)
		}
	}
	t.Logf("kills: %d of %d landed before apply ended, %d in the middle of the fleet (some zones written, some not); %d temporary files found right after a kill, all removed by the next run", landed, kills, mid, leftovers)
	if landed == 0 {
		t.Error("no kill landed")
	}
}

// TestCrashBIND kills apply over several zones on real BIND primaries (one per
// zone) through the rfc2136 provider, switching between two desired states, and
// checks that each zone's mail records are all old or all new, that no
// unmanaged record changed, and that a fresh plan then apply converges.
func TestCrashBIND(t *testing.T) {
	kills := envInt("MAILZONE_BIND_KILLS", 10)
	if long() {
		kills = envInt("MAILZONE_BIND_KILLS", 30)
	}
	crashServers(t, "BIND", seedBIND, kills)
}

// TestCrashPowerDNS is TestCrashBIND against real PowerDNS servers through its
// HTTP API, whose one PATCH per zone is atomic.
func TestCrashPowerDNS(t *testing.T) {
	kills := envInt("MAILZONE_PDNS_KILLS", 8)
	if long() {
		kills = envInt("MAILZONE_PDNS_KILLS", 30)
	}
	crashServers(t, "PowerDNS", seedPowerDNS, kills)
}

// crashServers kills apply at random points over five zones, each on its own
// server, and checks every zone is wholly old or new afterwards.
func crashServers(t *testing.T, what string, seedFn func(t *testing.T, dir, zone string, seed []rrset.RRset) *store, kills int) {
	const nzones = 5
	rng := rand.New(rand.NewPCG(killSeed(t), 3))
	dir := t.TempDir()
	var stores []*store
	var zones []string
	vars := map[string]string{}
	var provs strings.Builder
	for i := 0; i < nzones; i++ {
		zone := fmt.Sprintf("crash%d.example", i)
		zones = append(zones, zone)
		st := seedFn(t, dir, zone, faultSeedFor(zone))
		stores = append(stores, st)
		block := st.block
		for k, v := range st.vars {
			block = strings.ReplaceAll(block, "${"+k+"}", fmt.Sprintf("${%s_%d}", k, i))
			vars[fmt.Sprintf("%s_%d", k, i)] = v
		}
		fmt.Fprintf(&provs, "  p%d: %s\n", i, block)
	}
	config := func(variant int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "version: 1\nproviders:\n%sdomains:\n", provs.String())
		for i, z := range zones {
			fmt.Fprintf(&b, "  %s:\n    provider: p%d\n    mx: mx%d.gate.example.net\n    spf: {include: [_spf%d.gate.example.net]}\n    dmarc: {policy: %s}\n    dkim:\n      s%d: {cname: s.esp%d.example.}\n",
				z, i, variant, variant, []string{"quarantine", "reject"}[variant], variant, variant)
		}
		return b.String()
	}
	owned := func(zone string, recs []rec) (mine, other []string) {
		d := desired{mx: true, spf: true, dmarc: true, selectors: []string{"s0", "s1"}}
		for _, r := range recs {
			if d.owns(zone, r) {
				mine = append(mine, r.exact)
			} else {
				other = append(other, r.exact)
			}
		}
		slices.Sort(mine)
		slices.Sort(other)
		return mine, other
	}
	cfg := filepath.Join(dir, "mailzone.yaml")
	states := map[string][]string{}
	unmanagedBefore := map[string][]string{}
	for i, st := range stores {
		states[zones[i]], unmanagedBefore[zones[i]] = owned(zones[i], st.records(t))
	}
	// Time a full apply of each variant once, then kill at random points.
	var full time.Duration
	for v := 0; v < 2; v++ {
		writeFile(t, cfg, config(v))
		start := time.Now()
		if r := run(t, dir, vars, "apply", "--yes", "--allow-mass-change"); r.code != 0 {
			t.Fatalf("apply: %s", r)
		}
		full = max(full, time.Since(start))
	}
	for i, st := range stores {
		states[zones[i]], _ = owned(zones[i], st.records(t))
	}
	landed := 0
	for k := 0; k < kills; k++ {
		writeFile(t, cfg, config(k%2))
		// Most of a run is writing; kill within its first 70%.
		delay := time.Duration(rng.Int64N(int64(full)*7/10 + 1))
		if killAfter(t, command(t, dir, vars, "apply", "--yes", "--allow-mass-change"), delay) {
			landed++
		}
		mid := map[string][]string{}
		for i, st := range stores {
			var other []string
			mid[zones[i]], other = owned(zones[i], st.records(t))
			if !slices.Equal(other, unmanagedBefore[zones[i]]) {
				t.Fatalf("kill %d after %v: unmanaged records of %s changed:\n%q\n%q", k, delay, zones[i], other, unmanagedBefore[zones[i]])
			}
		}
		if r := run(t, dir, vars, "apply", "--yes", "--allow-mass-change"); r.code != 0 {
			t.Fatalf("kill %d: apply after the kill: %s", k, r)
		}
		if r := run(t, dir, vars, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("kill %d: plan after the recovery apply: %s", k, r)
		}
		for i, st := range stores {
			now, _ := owned(zones[i], st.records(t))
			if !slices.Equal(mid[zones[i]], now) && !slices.Equal(mid[zones[i]], states[zones[i]]) {
				t.Fatalf("kill %d: zone %s was left half applied:\n%q", k, zones[i], mid[zones[i]])
			}
			states[zones[i]] = now
		}
	}
	t.Logf("%s kills: %d of %d landed before apply ended (%d zones, full apply %v)", what, landed, kills, nzones, full)
}

// faultSeedFor is faultSeed for another zone.
func faultSeedFor(zone string) []rrset.RRset {
	var out []rrset.RRset
	for _, s := range faultSeed() {
		s.Name = strings.TrimSuffix(s.Name, faultZone+".") + zone + "."
		out = append(out, s)
	}
	return out
}
