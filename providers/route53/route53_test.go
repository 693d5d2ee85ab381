package route53

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
)

const zone = "example.com"

// isolate points the AWS SDK at nothing but what the test sets: no shared
// config files, no instance metadata, no ambient credentials.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_CA_BUNDLE":                          "",
		"AWS_ENDPOINT_URL_ROUTE_53":              "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
	} {
		t.Setenv(k, v)
	}
}

// startFake starts a fake and points the environment at it with static fake
// credentials, as a user's CI would.
func startFake(t *testing.T) *fakeroute53.Server {
	t.Helper()
	isolate(t)
	f := fakeroute53.Start(t)
	t.Setenv("AWS_ENDPOINT_URL_ROUTE_53", f.URL())
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	return f
}

// fast returns options that keep the tests quick: no client-side rate limit
// worth speaking of and short backoffs.
func fast() Options {
	return Options{
		Throttle:       throttle.Config{Name: "route53", Rate: 1000, Burst: 100, BaseDelay: 5 * time.Millisecond},
		RetryBaseDelay: 5 * time.Millisecond,
	}
}

// seed writes sets into the fake; sets that share a name and type are merged,
// as the conformance suite expects.
func seed(f *fakeroute53.Server, id string, sets ...rrset.RRset) {
	for _, s := range rrset.Index(sets) {
		var vals []string
		for _, v := range s.Values {
			if s.Type == "TXT" {
				v = quoteTXT(v)
			}
			vals = append(vals, v)
		}
		f.SetRRset(id, s.Name, s.Type, int64(s.TTL), vals...)
	}
}

// counted wraps the provider under the conformance suite to check, from the
// fake's request log, how many requests each call makes.
type counted struct {
	t        *testing.T
	p        providers.Provider
	f        *fakeroute53.Server
	reads    int
	applyLog []fakeroute53.Request
}

func (c *counted) Records(ctx context.Context, z string) ([]rrset.RRset, error) {
	before := len(c.f.Requests())
	sets, err := c.p.Records(ctx, z)
	reqs := c.f.Requests()[before:]
	c.reads++
	lookups, pages, other := 0, 0, 0
	for _, r := range reqs {
		switch r.Action {
		case "ListHostedZonesByName":
			lookups++
		case "ListResourceRecordSets":
			pages++
		default:
			other++
		}
	}
	wantLookups := 0
	if c.reads == 1 {
		wantLookups = 1
	}
	if lookups != wantLookups || pages < 1 || other != 0 {
		c.t.Errorf("read %d: %d ListHostedZonesByName (want %d), %d ListResourceRecordSets pages, %d other requests", c.reads, lookups, wantLookups, pages, other)
	}
	return sets, err
}

func (c *counted) Apply(ctx context.Context, z string, edits []rrset.Edit) (int, error) {
	before := len(c.f.Requests())
	n, err := c.p.Apply(ctx, z, edits)
	c.applyLog = c.f.Requests()[before:]
	return n, err
}

func TestConformance(t *testing.T) {
	var mu sync.Mutex
	harness := map[*testing.T]*counted{}
	providertest.Run(t, providertest.Harness{
		Zone: zone,
		Setup: func(t *testing.T, z string, sets []rrset.RRset) providers.Provider {
			f := startFake(t)
			seed(f, f.AddZone(z), sets...)
			p, err := providers.Open(providers.Config{Name: "aws", Type: "route53", Settings: map[string]string{"region": "us-east-1", "rate": "1000"}})
			if err != nil {
				t.Fatal(err)
			}
			c := &counted{t: t, p: p, f: f}
			mu.Lock()
			harness[t] = c
			mu.Unlock()
			return c
		},
		After: func(t *testing.T, step string, edits []rrset.Edit) {
			mu.Lock()
			c := harness[t]
			mu.Unlock()
			if len(edits) == 0 {
				if len(c.applyLog) != 0 {
					t.Errorf("%s: no-op apply made %d requests", step, len(c.applyLog))
				}
				return
			}
			if len(c.applyLog) != 1 || c.applyLog[0].Action != "ChangeResourceRecordSets" || c.applyLog[0].Status != 200 {
				t.Fatalf("%s: apply made %d requests, want exactly one accepted ChangeResourceRecordSets: %+v", step, len(c.applyLog), c.applyLog)
			}
			batches := c.f.ChangeBatches()
			b := batches[len(batches)-1]
			// Every edit is in this one batch, and an update of an existing
			// RRset (the SPF at the apex) is a DELETE plus a CREATE in it.
			for _, e := range edits {
				k := e.Key()
				var actions []string
				for _, ch := range b.Changes {
					if ch.RRset.Name == k.Name && ch.RRset.Type == k.Type {
						actions = append(actions, ch.Action)
					}
				}
				had := !e.Old.Empty() || !e.Keep.Empty()
				want := "CREATE"
				switch {
				case had && e.Result().Empty():
					want = "DELETE"
				case had:
					want = "DELETE,CREATE"
				}
				if got := strings.Join(actions, ","); got != want && !(had && got == "UPSERT") {
					t.Errorf("%s: %s: batch holds %q, want %q", step, k, got, want)
				}
			}
		},
	})
}

func newProvider(t *testing.T, o Options) *Provider {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPaginationOver300(t *testing.T) {
	f := startFake(t)
	id := f.AddZone(zone)
	for i := range 700 {
		f.SetRRset(id, fmt.Sprintf("host-%03d.%s", i, zone), "TXT", 300, fmt.Sprintf(`"n=%d"`, i))
		if i%3 == 0 {
			f.SetRRset(id, fmt.Sprintf("host-%03d.%s", i, zone), "A", 300, "192.0.2.1")
		}
	}
	p := newProvider(t, fast())
	sets, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	want := 700 + 234 + 2 // TXT, A, SOA and NS
	if len(sets) != want {
		t.Fatalf("read %d sets, want %d", len(sets), want)
	}
	idx := rrset.Index(sets)
	if got := idx[rrset.Key{Name: "host-450.example.com.", Type: "TXT"}]; len(got.Values) != 1 || got.Values[0] != "n=450" {
		t.Errorf("host-450 TXT = %v", got)
	}
	if n := f.Count("ListResourceRecordSets"); n != 4 {
		t.Errorf("%d ListResourceRecordSets pages for %d sets, want 4", n, want)
	}
	if n := f.Count("ListHostedZonesByName"); n != 1 {
		t.Errorf("%d zone lookups, want 1", n)
	}
	// A second read reuses the hosted zone id.
	if _, err := p.Records(context.Background(), zone+"."); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("ListHostedZonesByName"); n != 1 {
		t.Errorf("%d zone lookups after two reads, want 1", n)
	}
}

func TestDKIM4096RoundTrip(t *testing.T) {
	_, k4096 := providertest.Keys()
	f := startFake(t)
	id := f.AddZone(zone)
	p := newProvider(t, fast())
	ctx := context.Background()
	want := rrset.New(zone, "s4096._domainkey", "TXT", 3600, k4096)
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: want}}); err != nil {
		t.Fatal(err)
	}
	got, ok := f.Lookup(id, want.Name, "TXT")
	if !ok || len(got.Values) != 1 {
		t.Fatalf("fake holds %+v", got)
	}
	parts := strings.Split(strings.Trim(got.Values[0], `"`), `" "`)
	if len(parts) < 3 {
		t.Errorf("a %d-byte key was sent as %d strings", len(k4096), len(parts))
	}
	for _, s := range parts {
		if len(s) > 255 {
			t.Errorf("character-string of %d bytes", len(s))
		}
	}
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	if r := rrset.Index(sets)[want.Key()]; !r.Equal(want) {
		t.Errorf("read back %d values, want the key intact", len(r.Values))
	}
}

func TestInvalidChangeBatchWritesNothing(t *testing.T) {
	f := startFake(t)
	id := f.AddZone(zone)
	spf := rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx -all")
	seed(f, id, spf)
	p := newProvider(t, fast())
	ctx := context.Background()
	if _, err := p.Records(ctx, zone); err != nil {
		t.Fatal(err)
	}
	// Someone changes the SPF record between plan and apply.
	f.SetRRset(id, zone, "TXT", 3600, `"v=spf1 a -all"`)
	before := f.Zone(id)
	edits := []rrset.Edit{
		{New: rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject")},
		{Old: spf, New: rrset.New(zone, "@", "TXT", 3600, "v=spf1 include:spf.example.net -all")},
	}
	n, err := p.Apply(ctx, zone, edits)
	if err == nil || n != 0 {
		t.Fatalf("Apply = %d, %v; want 0 and an error", n, err)
	}
	for _, want := range []string{"rejected, nothing was written", "do not match the current values", "example.com."} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if after := f.Zone(id); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("zone changed by a rejected batch:\n%v\n%v", before, after)
	}
	if n := f.Count("ChangeResourceRecordSets"); n != 1 {
		t.Errorf("%d change requests, want 1 (a rejected batch is not retried)", n)
	}
}

func TestRecovery(t *testing.T) {
	edit := rrset.Edit{New: rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}
	for _, tc := range []struct {
		name    string
		action  string
		n       int
		failure fakeroute53.Failure
		// sends is how many ChangeResourceRecordSets requests the apply makes.
		sends int
	}{
		{"throttled reads", "", 3, fakeroute53.Throttle, 1},
		{"503 on reads", "ListResourceRecordSets", 2, fakeroute53.Unavailable, 1},
		{"dropped reads", "ListHostedZonesByName", 1, fakeroute53.Drop, 1},
		{"throttled change", "ChangeResourceRecordSets", 2, fakeroute53.Throttle, 3},
		{"503 on change", "ChangeResourceRecordSets", 1, fakeroute53.Unavailable, 2},
		{"dropped change", "ChangeResourceRecordSets", 1, fakeroute53.Drop, 2},
		{"applied, answer lost", "ChangeResourceRecordSets", 1, fakeroute53.ApplyThenDrop, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t)
			id := f.AddZone(zone)
			p := newProvider(t, fast())
			ctx := context.Background()
			f.FailNext(tc.action, tc.n, tc.failure)
			if _, err := p.Records(ctx, zone); err != nil {
				t.Fatalf("records: %v", err)
			}
			n, err := p.Apply(ctx, zone, []rrset.Edit{edit})
			if err != nil || n != 1 {
				t.Fatalf("apply = %d, %v", n, err)
			}
			if _, ok := f.Lookup(id, "_dmarc."+zone, "TXT"); !ok {
				t.Error("record not written")
			}
			accepted := 0
			for _, b := range f.ChangeBatches() {
				if b.Accepted {
					accepted++
				}
			}
			if accepted != 1 {
				t.Errorf("%d batches applied, want 1", accepted)
			}
			if got := f.Count("ChangeResourceRecordSets"); got != tc.sends {
				t.Errorf("%d ChangeResourceRecordSets requests, want %d", got, tc.sends)
			}
		})
	}
}

func TestNoRegionBeforeAnyRequest(t *testing.T) {
	f := startFake(t)
	t.Setenv("AWS_REGION", "")
	_, err := providers.Open(providers.Config{Name: "aws", Type: "route53", Settings: map[string]string{}})
	if err == nil || !strings.Contains(err.Error(), "route53: no region: set region: in the provider block or AWS_REGION") {
		t.Fatalf("Open = %v, want the no-region error", err)
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("%d requests before the error", n)
	}
}

func TestBadProfileIsAnErrorNotAnExit(t *testing.T) {
	startFake(t)
	// libdns/route53 v1.6.2 calls log.Fatalf here; this must return.
	_, err := providers.Open(providers.Config{Name: "aws", Type: "route53", Settings: map[string]string{"profile": "no-such-profile"}})
	if err == nil || !strings.Contains(err.Error(), `profile "no-such-profile"`) {
		t.Fatalf("Open = %v, want an error naming the profile", err)
	}
}

func TestNoCredentialsBeforeAnyRequest(t *testing.T) {
	f := startFake(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	p, err := providers.Open(providers.Config{Name: "aws", Type: "route53", Settings: map[string]string{"region": "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = p.Records(ctx, zone)
	if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Fatalf("Records = %v, want a no-credentials error naming AWS_ACCESS_KEY_ID and AWS_PROFILE", err)
	}
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{New: rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=none")}}); err == nil {
		t.Fatal("Apply without credentials succeeded")
	}
	if n := f.Count(""); n != 0 {
		t.Errorf("%d requests before the error", n)
	}
}

func TestHostedZoneIDSkipsLookup(t *testing.T) {
	f := startFake(t)
	id := f.AddZone(zone)
	o := fast()
	o.HostedZoneID = "/hostedzone/" + id
	p := newProvider(t, o)
	if _, err := p.Records(context.Background(), zone); err != nil {
		t.Fatal(err)
	}
	if n, all := f.Count("ListResourceRecordSets"), f.Count(""); n != 1 || all != 1 {
		t.Errorf("%d requests (%d pages), want one ListResourceRecordSets", all, n)
	}
}

func TestUnknownZone(t *testing.T) {
	f := startFake(t)
	f.AddZone("other.example")
	p := newProvider(t, fast())
	_, err := p.Records(context.Background(), zone)
	if err == nil || !strings.Contains(err.Error(), "no hosted zone") {
		t.Fatalf("Records = %v", err)
	}
}

func TestForeignSplitAndWildcard(t *testing.T) {
	f := startFake(t)
	id := f.AddZone(zone)
	// Written by another tool: split mid-text, and a wildcard (returned as \052).
	f.SetRRset(id, zone, "TXT", 300, `"v=spf1 " "mx ~all"`)
	f.SetRRset(id, "*._domainkey."+zone, "TXT", 300, `"v=DKIM1; p="`)
	p := newProvider(t, fast())
	ctx := context.Background()
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	spf := idx[rrset.Key{Name: "example.com.", Type: "TXT"}]
	wild := idx[rrset.Key{Name: "*._domainkey.example.com.", Type: "TXT"}]
	if len(spf.Values) != 1 || spf.Values[0] != "v=spf1 mx ~all" || len(wild.Values) != 1 {
		t.Fatalf("read %v and %v", spf, wild)
	}
	// Deleting needs the values exactly as Route 53 holds them.
	if _, err := p.Apply(ctx, zone, []rrset.Edit{{Old: spf}, {Old: wild}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Lookup(id, zone, "TXT"); ok {
		t.Error("SPF not deleted")
	}
}

func TestAliasIsNotManaged(t *testing.T) {
	// The fake does not serve alias sets, so check the conversion directly.
	p := newProvider(t, func() Options { startFake(t); return fast() }())
	p.read["example.com."] = map[rrset.Key]raw{{Name: "example.com.", Type: "TXT"}: {special: "alias"}}
	_, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: rrset.New(zone, "@", "TXT", 300, "v=spf1 -all")}})
	if err == nil || !strings.Contains(err.Error(), "does not manage") {
		t.Fatalf("Apply = %v", err)
	}
}

func TestWaitForSync(t *testing.T) {
	f := startFake(t)
	f.AddZone(zone)
	o := fast()
	o.WaitForSync = 10 * time.Second
	p := newProvider(t, o)
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=none")}}); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("GetChange"); n < 2 {
		t.Errorf("%d GetChange requests, want PENDING then INSYNC", n)
	}
}

func TestTXTQuoting(t *testing.T) {
	long := strings.Repeat("abcdefghij", 60)
	for _, text := range []string{
		"", "v=spf1 -all", `say "hi"`, `ends with a quote"`, `"starts with one`, `back\slash`,
		"exämple", "tab\there", long,
	} {
		q := quoteTXT(text)
		if got := unquoteTXT(q); got != text {
			t.Errorf("round trip of %q via %q gave %q", text, q, got)
		}
	}
	if q := quoteTXT("exämple"); q != `"ex\303\244mple"` {
		t.Errorf("quoteTXT(exämple) = %s, want Route 53's octal escapes", q)
	}
	if got := decodeName(`\052._domainkey.example.com.`); got != "*._domainkey.example.com." {
		t.Errorf("decodeName = %q", got)
	}
}
