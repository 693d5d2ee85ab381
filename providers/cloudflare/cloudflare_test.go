package cloudflare_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/cloudflare"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
)

const zone = "example.com"

// fastRetries keeps the real retry logic with delays small enough for tests.
func fastRetries() throttle.Config {
	return throttle.Config{Name: "cloudflare", Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, AttemptTimeout: 5 * time.Second}
}

// newFake starts a fake holding zone with seed, and a provider pointed at it;
// the request log starts empty.
func newFake(t *testing.T, zone string, seed []rrset.RRset) (*fakecf.Server, *cloudflare.Provider) {
	t.Helper()
	f := fakecf.New(t)
	f.AddZone(zone)
	for _, s := range rrset.Index(seed) { // the suite may repeat a set
		for _, v := range s.Values {
			f.AddRecord(zone, seedRecord(s, v))
		}
	}
	p, err := cloudflare.New(cloudflare.Options{APIToken: fakecf.Token, Endpoint: f.URL(), Throttle: fastRetries()})
	if err != nil {
		t.Fatal(err)
	}
	f.ResetLog()
	return f, p
}

// seedRecord is a record as a person would type it in the dashboard: TXT
// unquoted (the fake splits long ones), names without the trailing dot.
func seedRecord(s rrset.RRset, v string) fakecf.Record {
	r := fakecf.Record{Name: strings.TrimSuffix(s.Name, "."), Type: s.Type, Content: v, TTL: int(s.TTL)}
	if s.Type == "MX" {
		var pref uint16
		var host string
		fmt.Sscanf(v, "%d %s", &pref, &host)
		r.Priority, r.Content = &pref, host
	}
	return r
}

// expected is the fewest writes of an edit: changed values are PATCHes, extra
// new values POSTs, surplus old values DELETEs.
func expected(e rrset.Edit) (patch, post, del int) {
	var gone, added int
	for _, v := range e.Old.Values {
		if !contains(e.New.Values, v) {
			gone++
		}
	}
	for _, v := range e.New.Values {
		if !contains(e.Old.Values, v) {
			added++
		}
	}
	patch = min(gone, added)
	if !e.New.Empty() && e.New.TTL != e.Old.TTL {
		patch += len(e.Old.Values) - gone // kept values whose TTL changes
	}
	return patch, max(added-gone, 0), max(gone-added, 0)
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func TestConformance(t *testing.T) {
	var f *fakecf.Server
	first := true
	providertest.Run(t, providertest.Harness{
		Zone: zone,
		Setup: func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider {
			var p *cloudflare.Provider
			f, p = newFake(t, zone, seed)
			first = true
			return p
		},
		After: func(t *testing.T, step string, edits []rrset.Edit) {
			log := f.Log()
			f.ResetLog()
			defer func() { first = false }()
			if len(edits) == 0 {
				if len(log) != 0 {
					t.Errorf("%s: a no-op apply made %d requests: %v", step, len(log), log)
				}
				return
			}
			// Reads: the suite's Records before this apply (a zone lookup on first
			// use, then one page), and nothing during Apply.
			var gets, lookups int
			for _, r := range log {
				if r.Method == http.MethodGet {
					gets++
					if r.Path == "/zones" {
						lookups++
					}
				}
			}
			wantLookups := 0
			if first {
				wantLookups = 1
			}
			if lookups != wantLookups || gets != wantLookups+1 {
				t.Errorf("%s: %d GETs with %d zone lookups, want one listing page and %d lookups: %v", step, gets, lookups, wantLookups, log)
			}
			// Writes: per edit, exactly the fewest, and DELETEs only after the
			// PATCHes and POSTs of the same edit.
			var writes []fakecf.Request
			for _, r := range log {
				if r.Write() {
					writes = append(writes, r)
				}
			}
			i := 0
			for _, e := range edits {
				patch, post, del := expected(e)
				n := patch + post + del
				if i+n > len(writes) {
					t.Fatalf("%s: %s: want %d PATCH %d POST %d DELETE, log has only %d writes left: %v", step, e.Key(), patch, post, del, len(writes)-i, writes)
				}
				seg := writes[i : i+n]
				var gotPatch, gotPost int
				for j, w := range seg {
					switch {
					case j < patch+post && w.Method == http.MethodPatch:
						gotPatch++
					case j < patch+post && w.Method == http.MethodPost:
						gotPost++
					case j >= patch+post && w.Method == http.MethodDelete:
					default:
						t.Errorf("%s: %s: write %d is %s, want %d PATCH, %d POST, then %d DELETE: %v", step, e.Key(), j, w, patch, post, del, seg)
					}
				}
				if gotPatch != patch || gotPost != post {
					t.Errorf("%s: %s: %d PATCH %d POST, want %d and %d: %v", step, e.Key(), gotPatch, gotPost, patch, post, seg)
				}
				if e.Key().Name == zone+"." && e.Key().Type == "TXT" && len(e.Old.Values) == 1 && len(e.New.Values) == 1 {
					// The SPF update: one PATCH of the old record, no window.
					if len(seg) != 1 || seg[0].Method != http.MethodPatch || !strings.Contains(seg[0].Body, e.New.Values[0]) {
						t.Errorf("%s: SPF update is %v, want exactly one PATCH with the new text", step, seg)
					}
				}
				i += n
			}
			t.Logf("%s: %d reads (%d zone lookups), writes %v", step, gets, lookups, methodsOf(writes))
			if i != len(writes) {
				t.Errorf("%s: %d writes beyond the fewest: %v", step, len(writes)-i, writes[i:])
			}
			for _, w := range writes {
				if strings.Contains(w.Body, "google-site-verification") {
					t.Errorf("%s: wrote a kept record: %v", step, w)
				}
			}
		},
	})
}

func TestRecordsPaginates(t *testing.T) {
	var seed []rrset.RRset
	for i := range 250 {
		seed = append(seed, rrset.New(zone, fmt.Sprintf("h%03d", i), "A", 300, fmt.Sprintf("192.0.2.%d", i%250)))
	}
	f, p := newFake(t, zone, seed)
	ctx := context.Background()
	for round, wantLookups := range []int{1, 0} {
		sets, err := p.Records(ctx, zone+".")
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != 250 {
			t.Fatalf("read %d sets, want 250", len(sets))
		}
		lookups, pages := f.Count("GET", "/zones"), f.Count("GET", "/zones/")
		lookups -= pages
		if lookups != wantLookups || pages != 3 {
			t.Errorf("round %d: %d zone lookups and %d pages, want %d and 3: %v", round, lookups, pages, wantLookups, f.Log())
		}
		for _, r := range f.Log() {
			if r.Path != "/zones" && r.Query.Get("per_page") != "100" {
				t.Errorf("listing with per_page=%q", r.Query.Get("per_page"))
			}
		}
		f.ResetLog()
	}
}

func TestLongTXTRoundTrip(t *testing.T) {
	_, k4096 := providertest.Keys()
	f, p := newFake(t, zone, nil)
	ctx := context.Background()
	want := rrset.New(zone, "s1._domainkey", "TXT", 3600, k4096)
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: want}}); err != nil {
		t.Fatal(err)
	}
	stored := f.Records(zone)
	if len(stored) != 1 {
		t.Fatalf("stored %v", stored)
	}
	c := stored[0].Content
	if !strings.HasPrefix(c, `"`) || !strings.Contains(c, `" "`) {
		t.Errorf("stored content is not split character-strings: %.80s…", c)
	}
	for _, part := range strings.Split(strings.Trim(c, `"`), `" "`) {
		if len(part) > 255 {
			t.Errorf("character-string of %d bytes", len(part))
		}
	}
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	got := rrset.Index(sets)[want.Key()]
	if !got.Equal(want) {
		t.Fatalf("read back\n%v\nwant\n%v", got, want)
	}
	// Deleting by value finds the split record.
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{Old: got}}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Records(zone)); n != 0 {
		t.Errorf("%d records left after delete", n)
	}
}

func TestRecoversFrom429(t *testing.T) {
	f, p := newFake(t, zone, []rrset.RRset{rrset.New(zone, "@", "MX", 3600, "10 mx.example.net.")})
	f.Throttle(1, "1")
	start := time.Now()
	sets, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 {
		t.Errorf("read %v", sets)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("retried before the Retry-After of 1s")
	}
	if log := f.Log(); len(log) != 3 || log[0].Status != 429 {
		t.Errorf("log %v, want the 429, the retried lookup and one page", log)
	}
}

func TestRecoversFrom5xx(t *testing.T) {
	f, p := newFake(t, zone, nil)
	ctx := context.Background()
	if _, err := p.Records(ctx, zone); err != nil {
		t.Fatal(err)
	}
	f.FailNext(2, http.StatusBadGateway)
	spf := rrset.New(zone, "@", "TXT", 3600, "v=spf1 -all")
	// A POST answered 502 is not retried (it may have landed) ...
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: spf}}); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("POST after 502: err = %v, want an unknown outcome", err)
	}
	// ... reads are.
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 0 {
		t.Errorf("read %v, want nothing (the 502 POST was not handled)", sets)
	}
	f.FailNext(2, http.StatusServiceUnavailable)
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: spf}}); err == nil {
		t.Fatal("want the POST answered 503 to fail")
	}
	// PATCH and DELETE are retried.
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: spf}}); err != nil {
		t.Fatal(err)
	}
	sets, _ = p.Records(ctx, zone)
	f.FailNext(2, http.StatusInternalServerError)
	spf2 := rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx -all")
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{Old: sets[0], New: spf2}}); err != nil {
		t.Fatalf("PATCH after two 500s: %v", err)
	}
}

func TestLostResponses(t *testing.T) {
	f, p := newFake(t, zone, []rrset.RRset{rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")})
	ctx := context.Background()
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	dmarc := sets[0]
	// A PATCH applied whose answer is lost is retried, harmlessly.
	f.Inject(fakecf.Fault{Method: http.MethodPatch, Lose: true})
	next := rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject")
	if n, err := p.Apply(ctx, zone, []rrset.Edit{{Old: dmarc, New: next}}); err != nil || n != 1 {
		t.Fatalf("PATCH with lost answer: %d, %v", n, err)
	}
	// A DELETE likewise: the retry finds the record gone, which is success.
	f.Inject(fakecf.Fault{Method: http.MethodDelete, Lose: true})
	if n, err := p.Apply(ctx, zone, []rrset.Edit{{Old: next}}); err != nil || n != 1 {
		t.Fatalf("DELETE with lost answer: %d, %v", n, err)
	}
	// A POST is not retried; the error says its outcome is unknown, and the
	// next read shows it landed.
	f.Inject(fakecf.Fault{Method: http.MethodPost, Lose: true})
	n, err := p.Apply(ctx, zone, []rrset.Edit{{New: next}})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "outcome of POST v=DMARC1; p=reject is unknown") {
		t.Fatalf("POST with lost answer: %d, %v", n, err)
	}
	if got := f.Count(http.MethodPost, ""); got != 1 {
		t.Errorf("%d POSTs, want 1", got)
	}
	sets, err = p.Records(ctx, zone)
	if err != nil || len(sets) != 1 || !sets[0].Equal(next) {
		t.Errorf("after the lost POST: %v, %v", sets, err)
	}
}

func TestPersistentFailure(t *testing.T) {
	f, p := newFake(t, zone, nil)
	f.FailNext(100, http.StatusServiceUnavailable)
	_, err := p.Records(context.Background(), zone)
	want := "cloudflare: GET /client/v4/zones: 3 attempts, last: 503 Service Unavailable (10000 Service Unavailable)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to contain %q", err, want)
	}
	var te *throttle.Error
	if !errors.As(err, &te) {
		t.Errorf("error does not wrap *throttle.Error")
	}
}

func TestMissingToken(t *testing.T) {
	_, err := cloudflare.New(cloudflare.Options{Endpoint: "http://127.0.0.1:1/client/v4"})
	if err == nil || !strings.Contains(err.Error(), "api_token") || !strings.Contains(err.Error(), "CLOUDFLARE_API_TOKEN") {
		t.Errorf("New without token: %v", err)
	}
	_, err = providers.Open(providers.Config{Name: "cf", Type: "cloudflare", Settings: map[string]string{"api_token": ""}})
	if err == nil || !strings.Contains(err.Error(), "provider cf: api_token: required") {
		t.Errorf("Open without token: %v", err)
	}
}

func TestWrongToken(t *testing.T) {
	f := fakecf.New(t)
	f.AddZone(zone)
	p, err := cloudflare.New(cloudflare.Options{APIToken: "wrong", Endpoint: f.URL(), Throttle: fastRetries()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Records(context.Background(), zone)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "token") {
		t.Errorf("err = %v", err)
	}
	if n := len(f.Log()); n != 1 {
		t.Errorf("%d requests, want 1 (a 401 is not retried)", n)
	}
}

func TestZoneToken(t *testing.T) {
	f := fakecf.New(t)
	f.AddZone(zone)
	// A DNS-only api_token with a separate zone_token for lookups.
	f.AddToken("dns-only", true)
	p, err := cloudflare.New(cloudflare.Options{APIToken: "dns-only", ZoneToken: fakecf.ZoneReadToken, Endpoint: f.URL(), Throttle: fastRetries()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Records(context.Background(), zone); err != nil {
		t.Fatal(err)
	}
	// A read-only token cannot list records: 403, with a hint.
	p, _ = cloudflare.New(cloudflare.Options{APIToken: fakecf.ZoneReadToken, Endpoint: f.URL(), Throttle: fastRetries()})
	_, err = p.Records(context.Background(), zone)
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Errorf("err = %v", err)
	}
}

func TestZoneNotFound(t *testing.T) {
	_, p := newFake(t, zone, nil)
	_, err := p.Records(context.Background(), "other.example")
	if err == nil || !strings.Contains(err.Error(), "zone other.example not found") {
		t.Errorf("err = %v", err)
	}
	_, err = p.Apply(context.Background(), "other.example.", []rrset.Edit{{New: rrset.New("other.example", "@", "TXT", 300, "x")}})
	if err == nil || !strings.Contains(err.Error(), "zone other.example not found") {
		t.Errorf("err = %v", err)
	}
}

func TestStaleListingIsReread(t *testing.T) {
	f, p := newFake(t, zone, nil)
	ctx := context.Background()
	if _, err := p.Records(ctx, zone); err != nil {
		t.Fatal(err)
	}
	// Someone adds a record after the read; an edit replacing it needs its id.
	f.AddRecord(zone, fakecf.Record{Name: "_dmarc", Type: "TXT", Content: "v=DMARC1; p=none", TTL: 3600})
	f.ResetLog()
	old := rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")
	next := rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject")
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{Old: old, New: next}}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(methods(f.Log())); got != "[GET PATCH]" {
		t.Errorf("requests %s, want one re-read and one PATCH", got)
	}
}

func methodsOf(log []fakecf.Request) []string { return methods(log) }

func methods(log []fakecf.Request) []string {
	var out []string
	for _, r := range log {
		out = append(out, r.Method)
	}
	return out
}

func TestRegistered(t *testing.T) {
	typ, ok := providers.Lookup("cloudflare")
	if !ok {
		t.Fatal("cloudflare is not registered")
	}
	secret := map[string]bool{}
	for _, s := range typ.Settings {
		secret[s.Name] = s.Secret
	}
	if !secret["api_token"] || !secret["zone_token"] || secret["endpoint"] {
		t.Errorf("settings %+v", typ.Settings)
	}
	f := fakecf.New(t)
	f.AddZone(zone)
	p, err := providers.Open(providers.Config{Name: "cf", Type: "cloudflare", Settings: map[string]string{
		"api_token": fakecf.Token, "endpoint": f.URL(), "rate": "50",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Log()) != 0 {
		t.Error("Open made a request")
	}
	if _, err := p.Records(context.Background(), zone); err != nil {
		t.Fatal(err)
	}
	_, err = providers.Open(providers.Config{Name: "cf", Type: "cloudflare", Settings: map[string]string{"api_token": "x", "rate": "fast"}})
	if err == nil || !strings.Contains(err.Error(), "rate") {
		t.Errorf("bad rate: %v", err)
	}
}
