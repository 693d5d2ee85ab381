package e2e

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBoth starts two runs of the binary at once and returns their results.
func runBoth(t *testing.T, dir string, vars map[string]string, a, b []string) [2]result {
	t.Helper()
	cmds := [2]*exec.Cmd{command(t, dir, vars, a...), command(t, dir, vars, b...)}
	var outs, errs [2]bytes.Buffer
	for i, c := range cmds {
		c.Stdout, c.Stderr = &outs[i], &errs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	var res [2]result
	for i, c := range cmds {
		err := c.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			res[i].code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		res[i].stdout, res[i].stderr = outs[i].String(), errs[i].String()
	}
	return res
}

// quickstartCopy copies examples/quickstart and returns its directory.
func quickstartCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "examples", "quickstart"), dir)
	return dir
}

// stale reports whether an apply refused a saved plan as stale, touching nothing.
func stale(r result) bool {
	return r.code == 1 && strings.Contains(r.stderr, "the plan is stale; nothing was changed")
}

// checkOutcome checks two concurrent applies of saved plans made before either
// ran: exactly one applied, the other refused as stale.
func checkOutcome(t *testing.T, round int, res [2]result) {
	t.Helper()
	ok0, ok1 := res[0].code == 0, res[1].code == 0
	switch {
	case ok0 && stale(res[1]), ok1 && stale(res[0]):
	default:
		t.Errorf("round %d: want one apply to succeed and the other to refuse a stale plan\nfirst: %s\nsecond: %s", round, res[0], res[1])
	}
}

// TestConcurrentAppliesZonefile runs two applies of saved plans on the same
// zone files at the same moment, as two CI jobs would: one applies, the other
// finds its plan stale and changes nothing; the zones end in the desired state
// with every unmanaged line intact.
func TestConcurrentAppliesZonefile(t *testing.T) {
	rounds := envInt("MAILZONE_CONCURRENT_ROUNDS", 8)
	for i := 0; i < rounds; i++ {
		dir := quickstartCopy(t)
		before := tree(t, dir)
		for _, p := range []string{"p1.json", "p2.json"} {
			if r := run(t, dir, nil, "plan", "-out", p); r.code != 0 {
				t.Fatalf("plan: %s", r)
			}
		}
		res := runBoth(t, dir, nil, []string{"apply", "p1.json"}, []string{"apply", "p2.json"})
		checkOutcome(t, i, res)
		if r := run(t, dir, nil, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("round %d: zones not in the desired state: %s", i, r)
		}
		after := tree(t, dir)
		for f, text := range before {
			if !strings.HasSuffix(f, ".zone") {
				continue
			}
			for _, l := range unmanagedLines(text) {
				if !strings.Contains(after[f], l) {
					t.Errorf("round %d: %s lost %q", i, f, l)
				}
			}
		}
		if t.Failed() {
			return
		}
	}
}

// TestConcurrentAppliesWithoutPlans runs two `apply --yes` on the same zone
// files at once: the lock serializes the writes; the zones end in the desired
// state, each record once.
func TestConcurrentAppliesWithoutPlans(t *testing.T) {
	for i := 0; i < envInt("MAILZONE_CONCURRENT_ROUNDS", 8); i++ {
		dir := quickstartCopy(t)
		res := runBoth(t, dir, nil, []string{"apply", "--yes"}, []string{"apply", "--yes"})
		for j, r := range res {
			if r.code != 0 && !stale(r) {
				t.Errorf("round %d: apply %d: %s", i, j, r)
			}
		}
		if r := run(t, dir, nil, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("round %d: zones not in the desired state: %s", i, r)
		}
		for f, text := range tree(t, dir) {
			if strings.HasSuffix(f, ".zone") && strings.Count(text, "v=spf1") != 1 {
				t.Errorf("round %d: %s has %d SPF records:\n%s", i, f, strings.Count(text, "v=spf1"), text)
			}
		}
	}
}

// TestConcurrentAppliesCloudflare: two saved plans of the same Cloudflare zone,
// applied at once against the fake. One applies; the other refuses as stale.
func TestConcurrentAppliesCloudflare(t *testing.T) {
	for i := 0; i < envInt("MAILZONE_CONCURRENT_ROUNDS", 8); i++ {
		dir := t.TempDir()
		st := seedCloudflare(t, dir, faultZone, faultSeed())
		writeConfig(t, dir, st.block, faultZone, faultBody())
		for _, p := range []string{"p1.json", "p2.json"} {
			if r := run(t, dir, st.vars, "plan", "-out", p); r.code != 0 {
				t.Fatalf("plan: %s", r)
			}
		}
		res := runBoth(t, dir, st.vars, []string{"apply", "p1.json"}, []string{"apply", "p2.json"})
		checkOutcome(t, i, res)
		if r := run(t, dir, st.vars, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("round %d: zone not in the desired state: %s", i, r)
		}
		noDuplicates(t, st.records(t))
		if t.Failed() {
			return
		}
	}
}
