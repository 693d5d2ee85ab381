// Package providertest is the conformance suite every provider adapter runs: the
// same sequence of mail-record edits (create from empty, change each record, revoke
// and delete a DKIM key, collapse a duplicate SPF, switch a selector from TXT to
// CNAME, with 2048- and 4096-bit keys) against a zone that also holds records
// mailzone does not own, checking after each step that the zone holds exactly what
// was asked and that every unmanaged record is untouched.
//
// It works at the level of [rrset.Edit], the contract between the planner and the
// adapters, so a provider passes it on its own, before any plan logic is involved.
package providertest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// Harness adapts one provider to the suite.
type Harness struct {
	// Zone is the zone the suite works in, such as "example.com".
	Zone string
	// Setup returns the provider under test with zone holding exactly seed (plus
	// whatever SOA and NS records the backend needs, which the suite ignores). It is
	// called once per subtest; register cleanup with t.Cleanup.
	Setup func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider
	// Ignore lists record types the backend adds on its own (SOA, NS, ...);
	// they are left out of comparisons. SOA and NS are always ignored.
	Ignore []string
	// After, if set, runs after each apply, with the edits just written; providers
	// use it to assert on their request logs (one PATCH per update, ...).
	After func(t *testing.T, step string, edits []rrset.Edit)
}

var (
	keyOnce          sync.Once
	key2048, key4096 string
)

// Keys returns DKIM TXT data for a 2048-bit and a 4096-bit RSA key, generated
// once per test binary.
func Keys() (k2048, k4096 string) {
	keyOnce.Do(func() {
		key2048 = dkimTXT(2048)
		key4096 = dkimTXT(4096)
	})
	return key2048, key4096
}

func dkimTXT(bits int) string {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// Unmanaged is the seed of records mailzone must never change: a website A
// record, an apex verification TXT, a CNAME, an undeclared DKIM selector with a
// long key, and a TXT at a name beside a managed one.
func Unmanaged(zone string) []rrset.RRset {
	k2048, _ := Keys()
	return []rrset.RRset{
		rrset.New(zone, "@", "A", 300, "192.0.2.10"),
		rrset.New(zone, "@", "TXT", 3600, "google-site-verification=abc123"),
		rrset.New(zone, "www", "CNAME", 300, rrset.Absolute("@", zone)),
		rrset.New(zone, "legacy._domainkey", "TXT", 3600, k2048),
		rrset.New(zone, "_acme-challenge", "TXT", 120, `token with "quotes" and \backslash`),
	}
}

// step is one apply of the scenario.
type step struct {
	name  string
	edits func(z string, cur map[rrset.Key]rrset.RRset) []rrset.Edit
}

// edit builds an Edit from the current state: it takes the owned part of what is
// there (values matching own) as Old, the rest as Keep, and want as New.
func edit(cur map[rrset.Key]rrset.RRset, want rrset.RRset, own func(string) bool) rrset.Edit {
	have := cur[want.Key()]
	e := rrset.Edit{
		Old:  rrset.RRset{Name: want.Name, Type: want.Type, TTL: have.TTL},
		New:  want,
		Keep: rrset.RRset{Name: want.Name, Type: want.Type, TTL: have.TTL},
	}
	for _, v := range have.Values {
		if own(v) {
			e.Old.Values = append(e.Old.Values, v)
		} else {
			e.Keep.Values = append(e.Keep.Values, v)
		}
	}
	return e
}

func all(string) bool       { return true }
func spfOnly(v string) bool { return schema.IsSPF(v) }

func set(z, name, typ string, ttl uint32, values ...string) rrset.RRset {
	return rrset.New(z, name, typ, ttl, values...)
}

func absent(z, name, typ string) rrset.RRset {
	return rrset.RRset{Name: rrset.Absolute(name, z), Type: typ}
}

func scenario() []step {
	k2048, k4096 := Keys()
	return []step{
		{"create from empty", func(z string, c map[rrset.Key]rrset.RRset) []rrset.Edit {
			return []rrset.Edit{
				edit(c, set(z, "s1._domainkey", "TXT", 3600, k2048), all),
				edit(c, set(z, "@", "MX", 3600, "10 inbound.example.net."), all),
				edit(c, set(z, "@", "TXT", 3600, "v=spf1 include:spf.example.net -all"), spfOnly),
				edit(c, set(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none; rua=mailto:d@example.net"), all),
			}
		}},
		{"change every record", func(z string, c map[rrset.Key]rrset.RRset) []rrset.Edit {
			return []rrset.Edit{
				edit(c, set(z, "s2._domainkey", "TXT", 3600, k4096), all),
				edit(c, set(z, "@", "MX", 1800, "20 inbound2.example.net."), all),
				edit(c, set(z, "@", "TXT", 3600, "v=spf1 include:spf2.example.net ip4:192.0.2.0/24 -all"), spfOnly),
				edit(c, set(z, "s1._domainkey", "TXT", 3600, k4096), all),
				edit(c, set(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject; rua=mailto:d@example.net"), all),
			}
		}},
		{"revoke a DKIM key", func(z string, c map[rrset.Key]rrset.RRset) []rrset.Edit {
			return []rrset.Edit{edit(c, set(z, "s1._domainkey", "TXT", 3600, "v=DKIM1; p="), all)}
		}},
		{"switch a selector from TXT to CNAME", func(z string, c map[rrset.Key]rrset.RRset) []rrset.Edit {
			return []rrset.Edit{
				edit(c, absent(z, "s2._domainkey", "TXT"), all),
				edit(c, set(z, "s2._domainkey", "CNAME", 3600, "s2.dkim.esp.example."), all),
			}
		}},
		{"delete", func(z string, c map[rrset.Key]rrset.RRset) []rrset.Edit {
			return []rrset.Edit{
				edit(c, absent(z, "s1._domainkey", "TXT"), all),
				edit(c, absent(z, "_dmarc", "TXT"), all),
				edit(c, absent(z, "s2._domainkey", "CNAME"), all),
			}
		}},
	}
}

// Run runs the suite against the provider h describes.
func Run(t *testing.T, h Harness) {
	t.Helper()
	zone := h.Zone
	ignore := map[string]bool{"SOA": true, "NS": true}
	for _, typ := range h.Ignore {
		ignore[typ] = true
	}
	ctx := context.Background()
	seed := Unmanaged(zone)
	// The seed holds an old softfail SPF beside the verification TXT, so the
	// first step is an update of a shared apex TXT RRset.
	t.Run("scenario", func(t *testing.T) {
		p := h.Setup(t, zone, append(seed, set(zone, "@", "TXT", 3600, "v=spf1 mx ~all")))
		state := read(t, p, zone, ignore)
		for _, st := range scenario() {
			edits := st.edits(zone, state)
			n, err := p.Apply(ctx, zone, edits)
			if err != nil {
				t.Fatalf("%s: apply: %v (written %d of %d)", st.name, err, n, len(edits))
			}
			if n != len(edits) {
				t.Fatalf("%s: apply wrote %d of %d edits without error", st.name, n, len(edits))
			}
			if h.After != nil {
				h.After(t, st.name, edits)
			}
			want := expect(state, edits)
			got := read(t, p, zone, ignore)
			compare(t, st.name, want, got)
			state = got
		}
		// Unmanaged records are exactly as seeded.
		for _, s := range seed {
			g := state[s.Key()]
			if s.Type == "TXT" && s.Name == rrset.Absolute("@", zone) {
				// the apex TXT is shared with SPF; only the seeded value matters
				if !contains(g.Values, s.Values[0]) {
					t.Errorf("unmanaged %s lost: have %v", s.Key(), g.Values)
				}
				continue
			}
			if !g.Equal(s) {
				t.Errorf("unmanaged %s changed:\nwant %v\nhave %v", s.Key(), s, g)
			}
		}
	})
	t.Run("duplicate SPF", func(t *testing.T) {
		p := h.Setup(t, zone, append(Unmanaged(zone),
			set(zone, "@", "TXT", 3600, "google-site-verification=abc123", "v=spf1 mx ~all", "v=spf1 a -all")))
		state := read(t, p, zone, ignore)
		edits := []rrset.Edit{edit(state, set(zone, "@", "TXT", 3600, "v=spf1 include:spf3.example.net -all"), spfOnly)}
		if len(edits[0].Old.Values) != 2 {
			t.Fatalf("seeded two SPF records, read %v", state[edits[0].Key()].Values)
		}
		if _, err := p.Apply(ctx, zone, edits); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if h.After != nil {
			h.After(t, "duplicate SPF", edits)
		}
		compare(t, "duplicate SPF", expect(state, edits), read(t, p, zone, ignore))
	})
	// Record recognition is the planner's, with one predicate per record kind
	// (schema.IsSPF, schema.IsDMARC); a provider must hand values over exactly
	// as published, so that a TXT with a leading space (not SPF, RFC 7208
	// §4.5) stays unowned and "V=DMARC1" (a DMARC record: the tag name is
	// case-insensitive) is owned, whatever the provider.
	t.Run("record recognition", func(t *testing.T) {
		notSPF, upper := " v=spf1 -all", "V=DMARC1; p=none; rua=mailto:dmarc@contoso.com"
		p := h.Setup(t, zone, append(Unmanaged(zone),
			set(zone, "@", "TXT", 3600, "google-site-verification=abc123", notSPF, "v=spf1 mx ~all"),
			set(zone, "_dmarc", "TXT", 3600, upper)))
		state := read(t, p, zone, ignore)
		apex := state[rrset.Key{Name: rrset.Absolute("@", zone), Type: "TXT"}]
		if !contains(apex.Values, notSPF) {
			t.Fatalf("apex TXT read as %q, want %q kept byte for byte", apex.Values, notSPF)
		}
		dm := state[rrset.Key{Name: rrset.Absolute("_dmarc", zone), Type: "TXT"}]
		if len(dm.Values) != 1 || !schema.IsDMARC(dm.Values[0]) {
			t.Fatalf("_dmarc TXT read as %q, want one DMARC record", dm.Values)
		}
		edits := []rrset.Edit{
			edit(state, set(zone, "@", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com -all"), spfOnly),
			edit(state, set(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject; rua=mailto:dmarc@contoso.com"), schema.IsDMARC),
		}
		if got := edits[0].Old.Values; len(got) != 1 || got[0] != "v=spf1 mx ~all" {
			t.Fatalf("owned SPF values %q, want only the real SPF record", got)
		}
		if _, err := p.Apply(ctx, zone, edits); err != nil {
			t.Fatalf("apply: %v", err)
		}
		if h.After != nil {
			h.After(t, "record recognition", edits)
		}
		compare(t, "record recognition", expect(state, edits), read(t, p, zone, ignore))
	})
	t.Run("no-op apply writes nothing", func(t *testing.T) {
		p := h.Setup(t, zone, Unmanaged(zone))
		n, err := p.Apply(ctx, zone, nil)
		if err != nil || n != 0 {
			t.Fatalf("Apply(nil) = %d, %v", n, err)
		}
		if h.After != nil {
			h.After(t, "no-op", nil)
		}
	})
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func read(t *testing.T, p providers.Provider, zone string, ignore map[string]bool) map[rrset.Key]rrset.RRset {
	t.Helper()
	sets, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatalf("records: %v", err)
	}
	out := map[rrset.Key]rrset.RRset{}
	for k, s := range rrset.Index(sets) {
		if !ignore[k.Type] {
			out[k] = s
		}
	}
	return out
}

func expect(cur map[rrset.Key]rrset.RRset, edits []rrset.Edit) map[rrset.Key]rrset.RRset {
	out := make(map[rrset.Key]rrset.RRset, len(cur))
	for k, v := range cur {
		out[k] = v
	}
	for _, e := range edits {
		r := e.Result()
		if r.Empty() {
			delete(out, e.Key())
		} else {
			out[e.Key()] = r
		}
	}
	return out
}

func compare(t *testing.T, step string, want, got map[rrset.Key]rrset.RRset) {
	t.Helper()
	keys := map[rrset.Key]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []rrset.Key
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].String() < sorted[j].String() })
	for _, k := range sorted {
		w, g := want[k], got[k]
		if !w.Equal(g) {
			t.Errorf("%s: %s\nwant %s\nhave %s", step, k, describe(w), describe(g))
		}
	}
}

func describe(s rrset.RRset) string {
	if s.Empty() {
		return "(absent)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ttl %d:", s.TTL)
	for _, v := range s.Values {
		if len(v) > 60 {
			v = v[:28] + "…" + v[len(v)-28:] + fmt.Sprintf(" (%d bytes)", len(v))
		}
		fmt.Fprintf(&b, " [%s]", v)
	}
	return b.String()
}
