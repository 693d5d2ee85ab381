package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMassChangeThreshold: a one-line profile edit over 100 domains (SPF and
// DMARC of every domain: 200 of 400 owned record sets) is refused by apply,
// naming the count, the threshold and the flag, and writes nothing; with
// --allow-mass-change it applies. Onboarding 100 new domains (creates only)
// is not blocked, and a lower threshold in defaults.safety is honoured.
func TestMassChangeThreshold(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	gen := exec.Command("go", "run", "github.com/mailzone/mailzone/bench/gen", "-n", "100", "-dir", dir, "-state", "noop")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("bench/gen: %v\n%s", err, out)
	}
	cfgPath := filepath.Join(dir, "mailzone.yaml")
	data, _ := os.ReadFile(cfgPath)
	// Generated fleets allow any change; this one has the default threshold.
	base := strings.Replace(string(data), ", safety: {max_change_percent: 100}", "", 1)
	writeFile(t, cfgPath, base)
	if r := runRaw(t, dir, nil, "plan", "--offline", "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("the generated fleet is not in sync: %s", r)
	}
	edited := strings.Replace(base, "include: [_spf.mailgate.example.net]", "include: [_spf.mailgate-eu.example.net]", 1)
	edited = strings.Replace(edited, "dmarc: {policy: quarantine", "dmarc: {policy: reject", 1)
	if edited == base {
		t.Fatal("test data: the profile lines changed")
	}
	writeFile(t, cfgPath, edited)
	before := tree(t, dir)
	r := runRaw(t, dir, nil, "apply", "--offline", "--yes")
	want := "the plan updates or deletes 200 of the 400 owned record sets that exist (50%), over the safety threshold of 30% (defaults.safety.max_change_percent); review the plan, then apply with --allow-mass-change; nothing was changed"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Fatalf("mass change not refused: %s", r)
	}
	if !equalTrees(before, tree(t, dir)) {
		t.Fatal("a refused apply wrote files")
	}
	if r := runRaw(t, dir, nil, "apply", "--offline", "--yes", "--allow-mass-change"); r.code != 0 {
		t.Fatalf("apply --allow-mass-change: %s", r)
	}
	// A lower threshold: one domain's SPF of 100 is under it at 30%, but not
	// over 10 changes; 20 domains' SPF is 5% of 400, over a threshold of 2%.
	lower := strings.Replace(edited, "safety: {max_change_percent: 100}", "", 1)
	lower = strings.Replace(lower, "defaults: {provider: dns, ttl: 3600}", "defaults: {provider: dns, ttl: 3600, safety: {max_change_percent: 2}}", 1)
	for i := 0; i < 20; i++ {
		d := fmt.Sprintf("  %s:\n    profile: standard\n", gendomain(i))
		if !strings.Contains(lower, d) {
			t.Fatalf("test data: %q not in the generated file", d)
		}
		lower = strings.Replace(lower, d, d+"    spf: {include: [_spf.mailgate.example.net]}\n", 1)
	}
	writeFile(t, cfgPath, lower)
	r = runRaw(t, dir, nil, "apply", "--offline", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "updates or deletes 20 of the 400") || !strings.Contains(r.stderr, "threshold of 2%") {
		t.Errorf("lower threshold: %s", r)
	}
	// Onboarding: 100 new domains on empty zones are creates only.
	fresh := filepath.Join(t.TempDir(), "new")
	gen = exec.Command("go", "run", "github.com/mailzone/mailzone/bench/gen", "-n", "100", "-dir", fresh, "-state", "noop")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("bench/gen: %v\n%s", err, out)
	}
	cfg2, _ := os.ReadFile(filepath.Join(fresh, "mailzone.yaml"))
	writeFile(t, filepath.Join(fresh, "mailzone.yaml"), strings.Replace(string(cfg2), ", safety: {max_change_percent: 100}", "", 1))
	zones, _ := filepath.Glob(filepath.Join(fresh, "zones", "*.zone"))
	for _, z := range zones {
		name := strings.TrimSuffix(filepath.Base(z), ".zone")
		writeFile(t, z, "$ORIGIN "+name+".\n$TTL 3600\n@ IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026110101 7200 3600 1209600 300\n@ IN NS ns1.dnshost.example.net.\n")
	}
	if r := runRaw(t, fresh, nil, "apply", "--offline", "--yes"); r.code != 0 {
		t.Errorf("onboarding 100 domains (creates only) was refused: %s", r)
	}
}

// gendomain is the name bench/gen gives domain i.
func gendomain(i int) string { return fmt.Sprintf("customer%05d.example", i) }
