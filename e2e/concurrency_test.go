package e2e

import (
	"bytes"
	"fmt"
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

// refused reports whether an apply refused its plan, touching nothing: as
// stale before any write, or at the write, under the zone's lock, because
// another apply changed the records first.
func refused(r result) bool {
	return r.code == 1 && (strings.Contains(r.stderr, "the plan is stale; nothing was changed") ||
		strings.Contains(r.stderr, "changed since the zone was read (another apply?); nothing was written") ||
		strings.Contains(r.stderr, "An identical record already exists"))
}

// TestConcurrentAppliesZonefile runs two applies of saved plans for different
// desired states (two CI jobs on different commits) on the same zone file at
// the same moment: exactly one applies; the other refuses, as stale before
// writing or under the lock at the write; the zone ends wholly in the winner's
// state (never two SPF records) with every unmanaged line intact.
func TestConcurrentAppliesZonefile(t *testing.T) {
	rounds := envInt("MAILZONE_CONCURRENT_ROUNDS", 8)
	wins := [2]int{}
	for i := 0; i < rounds; i++ {
		dir := t.TempDir()
		st := seedZonefile(t, dir, faultZone, faultSeed())
		before := tree(t, dir)
		for j, inc := range []string{"x", "y"} {
			body := strings.Replace(faultBody(), "_spf.mailgate.example.net", "_spf."+inc+".example.net", 1)
			body = strings.Replace(body, "policy: reject", []string{"policy: reject", "policy: quarantine"}[j], 1)
			writeFile(t, filepath.Join(dir, inc+".yaml"), strings.Replace(
				fmt.Sprintf("version: 1\nproviders:\n  dns: %s\ndefaults: {provider: dns, ttl: 3600}\ndomains:\n  %s:\n%s", st.block, faultZone, body), "\\n", "\n", -1))
			if r := run(t, dir, nil, "plan", "-c", inc+".yaml", "-out", inc+".json"); r.code != 0 {
				t.Fatalf("plan: %s", r)
			}
		}
		res := runBoth(t, dir, nil, []string{"apply", "-c", "x.yaml", "x.json"}, []string{"apply", "-c", "y.yaml", "y.json"})
		won := -1
		switch {
		case res[0].code == 0 && refused(res[1]):
			won = 0
		case res[1].code == 0 && refused(res[0]):
			won = 1
		default:
			t.Fatalf("round %d: want one apply to succeed and the other to refuse\nfirst: %s\nsecond: %s", i, res[0], res[1])
		}
		wins[won]++
		if r := run(t, dir, nil, "plan", "-c", []string{"x.yaml", "y.yaml"}[won], "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("round %d: the zone is not wholly in the winner's state: %s", i, r)
		}
		noDuplicates(t, st.records(t))
		zf := filepath.Join("zones", faultZone+".zone")
		after := tree(t, dir)[zf]
		for _, l := range unmanagedLines(before[zf]) {
			if !strings.Contains(after, l) {
				t.Errorf("round %d: lost %q", i, l)
			}
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d rounds: first won %d, second won %d; the loser always refused", rounds, wins[0], wins[1])
}

// TestConcurrentAppliesWithoutPlans runs two `apply --yes` of the quick start
// at once: the lock serializes the writes; the zones end in the desired state,
// each record once.
func TestConcurrentAppliesWithoutPlans(t *testing.T) {
	for i := 0; i < envInt("MAILZONE_CONCURRENT_ROUNDS", 8); i++ {
		dir := quickstartCopy(t)
		res := runBoth(t, dir, nil, []string{"apply", "--yes"}, []string{"apply", "--yes"})
		for j, r := range res {
			if r.code != 0 && !refused(r) {
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
// made before either applies, applied at once against the fake. Cloudflare has
// no conditional write, so both may pass the stale check; then the loser's
// first write fails (an identical record exists) or finds its writes already
// made. Either way the zone ends in the desired state with nothing duplicated,
// and at least one apply succeeds. Applied again afterwards, a plan is in
// effect already.
func TestConcurrentAppliesCloudflare(t *testing.T) {
	outcomes := map[string]int{}
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
		switch {
		case res[0].code == 0 && res[1].code == 0:
			outcomes["both succeeded (same writes)"]++
		case (res[0].code == 0 && refused(res[1])) || (res[1].code == 0 && refused(res[0])):
			outcomes["one refused"]++
		default:
			t.Fatalf("round %d:\nfirst: %s\nsecond: %s", i, res[0], res[1])
		}
		if r := run(t, dir, st.vars, "plan", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("round %d: zone not in the desired state: %s", i, r)
		}
		noDuplicates(t, st.records(t))
		// Applied again once the zone holds what it asks for, a saved plan
		// is in effect: it says so, exits 0 and writes nothing.
		if i == 0 {
			if r := run(t, dir, st.vars, "apply", "p1.json"); !strings.Contains(r.stdout, "The plan is already in effect") || r.code != 0 {
				t.Errorf("a plan applied after another apply: %s", r)
			}
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("Cloudflare outcomes: %v", outcomes)
}
