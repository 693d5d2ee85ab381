package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailzone/mailzone/apply"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers/cloudflare"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/providers/route53"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

const faultZone = "customer.example"

// faultSeed is the zone before mailzone: old mail records beside records it
// does not own.
func faultSeed() []rrset.RRset {
	z := faultZone
	return merged(append(providertest.Unmanaged(z),
		rrset.New(z, "@", "MX", 3600, "10 mx1.old.example.", "20 mx2.old.example."),
		rrset.New(z, "@", "TXT", 3600, "v=spf1 include:_spf.old.example ~all"),
		rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"),
		rrset.New(z, "gone._domainkey", "TXT", 3600, "v=DKIM1; p=MIGfMA0GCSq"),
	))
}

// faultBody declares a DKIM key (a create), and MX, SPF and DMARC (updates).
func faultBody() string {
	k2048, _ := providertest.Keys()
	key := strings.TrimPrefix(k2048, "v=DKIM1; k=rsa; p=")
	return fmt.Sprintf("    mx: inbound.mailgate.example.net\n    spf: {include: [_spf.mailgate.example.net]}\n    dkim:\n      mz1: {public_key: %q}\n    dmarc: {policy: reject, rua: [\"mailto:d@customer.example\"]}\n", key)
}

// tally counts faults injected and survived by kind, for the summary line.
type tally struct {
	mu                 sync.Mutex
	injected, survived map[string]int
}

func (t *tally) add(kind string, injected int, survived bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.injected == nil {
		t.injected, t.survived = map[string]int{}, map[string]int{}
	}
	t.injected[kind] += injected
	if survived {
		t.survived[kind] += injected
	}
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var kinds []string
	for k := range t.injected {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	ti, ts := 0, 0
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d/%d", k, t.survived[k], t.injected[k]))
		ti += t.injected[k]
		ts += t.survived[k]
	}
	return fmt.Sprintf("faults survived/injected: %d/%d (%s)", ts, ti, strings.Join(parts, ", "))
}

// planKeys runs plan --format json and returns the "TYPE name" of every change.
func planKeys(t *testing.T, vars map[string]string, cfg string) []string {
	t.Helper()
	r := mz(vars, "plan", "-c", cfg, "--format", "json")
	if r.code != 0 {
		t.Fatalf("plan --format json: %s", r)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan json: %v\n%s", err, r.stdout)
	}
	var out []string
	for _, z := range p.Zones {
		for _, c := range z.Changes {
			out = append(out, c.Key().Type+" "+c.Key().Name)
		}
	}
	sort.Strings(out)
	return out
}

// reported returns the "TYPE name" of the changes an apply's report lists as
// written and as not written.
func reported(stderr string) (written, notWritten []string) {
	for _, l := range strings.Split(stderr, "\n") {
		for prefix, dst := range map[string]*[]string{"  written:     ": &written, "  not written: ": &notWritten} {
			if rest, ok := strings.CutPrefix(l, prefix); ok {
				f := strings.Fields(rest) // "~ TXT name (field)"
				if len(f) >= 3 {
					*dst = append(*dst, f[1]+" "+f[2])
				}
			}
		}
	}
	sort.Strings(written)
	sort.Strings(notWritten)
	return written, notWritten
}

// noDuplicates checks that the mail records exist once each: one SPF, one
// DMARC, one record at the new selector, one MX.
func noDuplicates(t *testing.T, recs []rec) {
	t.Helper()
	count := map[string]int{}
	seen := map[string]bool{}
	for _, r := range recs {
		id := r.name + " " + r.typ + " " + r.value
		if seen[id] {
			t.Errorf("duplicate record %s", id)
		}
		seen[id] = true
		switch {
		case r.typ == "TXT" && schema.IsSPF(r.value):
			count["spf "+r.name]++
		case r.typ == "TXT" && schema.IsDMARC(r.value):
			count["dmarc "+r.name]++
		case r.typ == "MX":
			count["mx "+r.name]++
		case strings.HasPrefix(r.name, "mz1._domainkey."):
			count["dkim "+r.name]++
		}
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("%d records for %s, want 1", n, k)
		}
	}
}

// faultCase is one injected fault: inject arms the fake, and stops says
// whether apply must stop with an error (else it must converge at once).
type faultCase struct {
	name   string
	kind   string
	stops  bool
	inject func(st *store)
	// injected counts the faults the fake actually served.
	injected func(st *store) int
}

func cfInjected(st *store) int {
	n := 0
	for _, r := range st.cf.Log() {
		if r.Fault != "" {
			n++
		}
	}
	return n
}

func r53Injected(st *store) int {
	n := 0
	for _, r := range st.r53.Requests() {
		if r.Injected != "" {
			n++
		}
	}
	return n
}

func cfFault(f fakecf.Fault) func(*store) { return func(st *store) { st.cf.Inject(f) } }
func r53Fault(action string, n int, f fakeroute53.Failure) func(*store) {
	return func(st *store) { st.r53.FailNext(action, n, f) }
}

// TestFaults applies through the command line while the provider fakes fail in
// every way they can, and checks that apply converges, or stops saying what was
// and was not written, that a rerun of plan shows exactly the rest, that a rerun
// of apply converges, that nothing is duplicated and that every record mailzone
// does not own is untouched.
func TestFaults(t *testing.T) {
	var tl tally
	cases := map[string][]faultCase{
		"cloudflare": {
			{"429 with Retry-After on reads", "429", false, func(st *store) { st.cf.Throttle(2, "1") }, cfInjected},
			{"429 with Retry-After on a POST", "429", false, cfFault(fakecf.Fault{Method: http.MethodPost, Status: 429, RetryAfter: "1"}), cfInjected},
			{"502 on PATCH, retried", "5xx", false, cfFault(fakecf.Fault{Method: http.MethodPatch, Count: 2, Status: 502}), cfInjected},
			{"503 on every PATCH attempt", "5xx", true, cfFault(fakecf.Fault{Method: http.MethodPatch, Count: 4, Status: 503}), cfInjected},
			{"500 on POST, not retried", "5xx", true, cfFault(fakecf.Fault{Method: http.MethodPost, Status: 500}), cfInjected},
			{"500 on DELETE, retried", "5xx", false, cfFault(fakecf.Fault{Method: http.MethodDelete, Status: 500}), cfInjected},
			{"dropped connection on reads", "drop", false, cfFault(fakecf.Fault{Method: http.MethodGet, Count: 2, Drop: true}), cfInjected},
			{"dropped connection on POST", "drop", true, cfFault(fakecf.Fault{Method: http.MethodPost, Drop: true}), cfInjected},
			{"dropped connection on PATCH", "drop", false, cfFault(fakecf.Fault{Method: http.MethodPatch, Drop: true}), cfInjected},
			{"POST applied, response lost", "lost-response", true, cfFault(fakecf.Fault{Method: http.MethodPost, Lose: true}), cfInjected},
			{"PATCH applied, response lost", "lost-response", false, cfFault(fakecf.Fault{Method: http.MethodPatch, Lose: true}), cfInjected},
			{"DELETE applied, response lost", "lost-response", false, cfFault(fakecf.Fault{Method: http.MethodDelete, Lose: true}), cfInjected},
		},
		"route53": {
			{"Throttling on the change batch", "429", false, r53Fault("ChangeResourceRecordSets", 2, fakeroute53.Throttle), r53Injected},
			{"Throttling on reads", "429", false, r53Fault("ListResourceRecordSets", 1, fakeroute53.Throttle), r53Injected},
			{"503 on the change batch, settled and resent", "5xx", false, r53Fault("ChangeResourceRecordSets", 1, fakeroute53.Unavailable), r53Injected},
			{"503 on every change batch", "5xx", true, r53Fault("ChangeResourceRecordSets", 3, fakeroute53.Unavailable), r53Injected},
			{"503 on reads, retried", "5xx", false, r53Fault("ListResourceRecordSets", 2, fakeroute53.Unavailable), r53Injected},
			{"dropped connection on reads", "drop", false, r53Fault("ListResourceRecordSets", 2, fakeroute53.Drop), r53Injected},
			{"dropped connection on the change batch", "drop", false, r53Fault("ChangeResourceRecordSets", 1, fakeroute53.Drop), r53Injected},
			{"change batch applied, response lost", "lost-response", false, r53Fault("ChangeResourceRecordSets", 1, fakeroute53.ApplyThenDrop), r53Injected},
			{"change batch applied, response lost, twice", "lost-response", false, func(st *store) {
				st.r53.FailNext("ChangeResourceRecordSets", 1, fakeroute53.ApplyThenDrop)
				st.r53.FailNext("ListResourceRecordSets", 1, fakeroute53.Drop)
			}, r53Injected},
		},
	}
	seeds := map[string]func(*testing.T, string, string, []rrset.RRset) *store{"cloudflare": seedCloudflare, "route53": seedRoute53}
	for _, prov := range []string{"cloudflare", "route53"} {
		for _, fc := range cases[prov] {
			t.Run(prov+"/"+fc.name, func(t *testing.T) {
				dir := t.TempDir()
				st := seeds[prov](t, dir, faultZone, faultSeed())
				cfg := writeConfig(t, dir, st.block, faultZone, faultBody())
				before := unmanaged(faultZone, faultDesired, st.records(t))
				fc.inject(st)
				r := mz(st.vars, "apply", "-c", cfg, "--yes")
				n := fc.injected(st)
				if n == 0 {
					t.Fatalf("no fault was served\n%s", r)
				}
				ok := checkFaultRun(t, st, cfg, r, fc.stops)
				if after := unmanaged(faultZone, faultDesired, st.records(t)); !slices.Equal(before, after) {
					t.Errorf("unmanaged records changed:\nbefore %q\nafter  %q", before, after)
					ok = false
				}
				tl.add(prov+":"+fc.kind, n, ok && !t.Failed())
			})
		}
	}
	t.Run("cloudflare/slow responses past the client timeout", func(t *testing.T) { slowCloudflare(t, &tl) })
	t.Run("route53/slow responses past the client timeout", func(t *testing.T) { slowRoute53(t, &tl) })
	t.Log(tl.String())
}

// faultDesired is faultBody's ownership.
var faultDesired = desired{mx: true, spf: true, dmarc: true, selectors: []string{"mz1"}}

// checkFaultRun checks one apply under a fault, then reruns plan and apply.
func checkFaultRun(t *testing.T, st *store, cfg string, r result, stops bool) bool {
	t.Helper()
	ok := true
	if !stops {
		if r.code != 0 {
			t.Errorf("apply did not converge through the fault: %s", r)
			ok = false
		}
	} else {
		written, notWritten := reported(r.stderr)
		if r.code != 1 || !strings.Contains(r.stderr, "stopped after") || len(notWritten) == 0 ||
			!strings.Contains(r.stderr, "Run mailzone plan to see exactly what is left") {
			t.Errorf("apply did not stop with a report of what was written: %s", r)
			return false
		}
		// The rest: what the report says was not written, less what the
		// provider wrote without being able to say so.
		rest := planKeys(t, st.vars, cfg)
		for _, k := range rest {
			if slices.Contains(written, k) || !slices.Contains(notWritten, k) {
				t.Errorf("plan after the failure shows %s, which the report says was written or did not list\nreport: %s\nplan: %q", k, r.stderr, rest)
				ok = false
			}
		}
		if unknown := strings.Contains(r.stderr, "unknown"); !unknown && !slices.Equal(rest, notWritten) {
			t.Errorf("plan after the failure shows %q, the report said not written: %q", rest, notWritten)
			ok = false
		}
		if r := mz(st.vars, "apply", "-c", cfg, "--yes"); r.code != 0 {
			t.Errorf("rerun of apply: %s", r)
			ok = false
		}
	}
	if r := mz(st.vars, "plan", "-c", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after apply is not empty: %s", r)
		ok = false
	}
	noDuplicates(t, st.records(t))
	return ok
}

// rerunConverges reruns apply after a stopped one and checks that it converges:
// apply succeeds, the next plan is empty, nothing is duplicated, and the
// records mailzone does not own are as they were (before).
func rerunConverges(t *testing.T, st *store, cfg string, before []string) bool {
	t.Helper()
	ok := true
	if r := mz(st.vars, "apply", "-c", cfg, "--yes"); r.code != 0 {
		t.Errorf("rerun of apply: %s", r)
		ok = false
	}
	if r := mz(st.vars, "plan", "-c", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after apply: %s", r)
		ok = false
	}
	noDuplicates(t, st.records(t))
	if after := unmanaged(faultZone, faultDesired, st.records(t)); !slices.Equal(before, after) {
		t.Errorf("unmanaged records changed")
		ok = false
	}
	return ok
}

// loadDomains loads a configuration's domains for library-level applies.
func loadDomains(t *testing.T, cfg string, vars map[string]string) []*schema.Domain {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := schema.Parse(cfg, data, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return c.Domains
}

// fastTimeouts are transport limits short enough to time out against a slow
// fake in a test; the command line's are 30 s per attempt.
func fastTimeouts(name string) throttle.Config {
	return throttle.Config{Name: name, Rate: 1000, Burst: 100, Attempts: 3, BaseDelay: 10 * time.Millisecond, AttemptTimeout: 150 * time.Millisecond}
}

// slowCloudflare: the fake answers slower than the client waits. Reads time out
// and apply stops, saying so; a write that times out is applied by the server
// anyway, and the rerun through the command line does not duplicate it.
func slowCloudflare(t *testing.T, tl *tally) {
	dir := t.TempDir()
	st := seedCloudflare(t, dir, faultZone, faultSeed())
	cfg := writeConfig(t, dir, st.block, faultZone, faultBody())
	p, err := cloudflare.New(cloudflare.Options{APIToken: fakecf.Token, Endpoint: st.cf.URL(), Throttle: fastTimeouts("cloudflare")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	observed, err := p.Records(ctx, faultZone)
	if err != nil {
		t.Fatal(err)
	}
	z := plan.Diff(faultZone, "dns", loadDomains(t, cfg, st.vars), observed)
	before := unmanaged(faultZone, faultDesired, st.records(t))

	st.cf.SetLatency(400 * time.Millisecond)
	if _, err := p.Records(ctx, faultZone); err == nil || !strings.Contains(err.Error(), "attempt timed out after 150ms") {
		t.Errorf("slow read: want a timeout error, got %v", err)
	}
	res := apply.Zone(ctx, p, z)
	st.cf.SetLatency(0)
	if res.Err == nil || len(res.Written) != 0 || !strings.Contains(res.Err.Error(), "outcome of POST") || !strings.Contains(res.Err.Error(), "unknown") {
		t.Errorf("slow POST: want a stop with an unknown outcome, got written %d, err %v", len(res.Written), res.Err)
	}
	// The timed-out POST created the key on the server: the plan no longer
	// shows it, and the rerun converges without a second record.
	time.Sleep(500 * time.Millisecond) // the server finishes the abandoned requests
	if rest := planKeys(t, st.vars, cfg); slices.Contains(rest, "TXT mz1._domainkey."+faultZone+".") {
		t.Errorf("the timed-out POST was not applied by the fake; plan still creates it: %q", rest)
	}
	ok := rerunConverges(t, st, cfg, before)
	tl.add("cloudflare:slow", 2, ok && !t.Failed())
}

// slowRoute53: the change batch times out; the adapter cannot settle it by
// reading (reads time out too) and says so; the rerun converges.
func slowRoute53(t *testing.T, tl *tally) {
	dir := t.TempDir()
	st := seedRoute53(t, dir, faultZone, faultSeed())
	cfg := writeConfig(t, dir, st.block, faultZone, faultBody())
	p, err := route53.New(route53.Options{Region: "us-east-1", AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: awsSecret,
		Endpoint: st.r53.URL(), Throttle: fastTimeouts("route53"), RetryBaseDelay: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	observed, err := p.Records(ctx, faultZone)
	if err != nil {
		t.Fatal(err)
	}
	z := plan.Diff(faultZone, "dns", loadDomains(t, cfg, st.vars), observed)
	before := unmanaged(faultZone, faultDesired, st.records(t))
	st.r53.SetLatency(400 * time.Millisecond)
	res := apply.Zone(ctx, p, z)
	st.r53.SetLatency(0)
	if res.Err == nil || len(res.Written) != 0 || !strings.Contains(res.Err.Error(), "outcome unknown") {
		t.Errorf("slow change batch: want a stop with an unknown outcome, got written %d, err %v", len(res.Written), res.Err)
	}
	time.Sleep(500 * time.Millisecond)
	ok := rerunConverges(t, st, cfg, before)
	tl.add("route53:slow", 1, ok && !t.Failed())
}
