package manual

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/instructions"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/rrset"
)

// byHand is the manual provider with a DNS admin behind it: Apply renders
// the edits as instructions and carries out each step, as printed, as an
// UPDATE at the zone's real BIND primary; Records reads every name the
// suite uses through the provider's own RecordsAt, from the primary and
// its secondary. The shared suite then proves that the steps are complete
// and that reading by name sees exactly what a listing would.
type byHand struct {
	*Provider
	t       *testing.T
	primary *bindtest.Server
	zone    string
}

// suiteKeys are every name and type the shared suite writes or seeds.
func suiteKeys(zone string) []rrset.Key {
	var keys []rrset.Key
	for _, s := range providertest.Unmanaged(zone) {
		keys = append(keys, s.Key())
	}
	for _, n := range []struct{ name, typ string }{
		{"@", "MX"}, {"@", "TXT"}, {"_dmarc", "TXT"},
		{"s1._domainkey", "TXT"}, {"s1._domainkey", "CNAME"},
		{"s2._domainkey", "TXT"}, {"s2._domainkey", "CNAME"},
	} {
		k := rrset.Key{Name: rrset.Absolute(n.name, zone), Type: n.typ}
		if !contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func contains(keys []rrset.Key, k rrset.Key) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

func (h *byHand) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	// The secondary catches up on the primary's NOTIFY; until then the
	// provider refuses to read nameservers that disagree, and the suite
	// waits, as an admin would.
	var sets []rrset.RRset
	var err error
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		sets, err = h.RecordsAt(ctx, zone, suiteKeys(zone))
		if err == nil || time.Now().After(end) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var out []rrset.RRset
	for _, s := range sets {
		if !s.Empty() {
			out = append(out, s)
		}
	}
	return out, nil
}

func (h *byHand) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, nil
	}
	z := &plan.Zone{Zone: zone, Provider: "customer-dns"}
	for _, e := range edits {
		shared := !e.Keep.Empty() && !e.New.Empty() && e.Keep.TTL != e.New.TTL
		z.Changes = append(z.Changes, plan.Change{Domain: zone, Field: "f", Action: e.Kind(), Edit: e, SharedTTL: shared})
	}
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(zone))
	for _, s := range instructions.Steps(z) {
		switch s.Action {
		case instructions.Add:
			m.Insert([]dns.RR{h.rr(s.Name, s.TTL, s.Type, s.Value)})
		case instructions.Delete:
			m.Remove([]dns.RR{h.rr(s.Name, 0, s.Type, s.Value)})
		case instructions.Change:
			m.Remove([]dns.RR{h.rr(s.Name, 0, s.Type, s.From)})
			m.Insert([]dns.RR{h.rr(s.Name, s.TTL, s.Type, s.Value)})
		}
	}
	h.primary.Update(h.t, m)
	return len(edits), nil
}

// rr is the record a step names, as a DNS host's form makes it.
func (h *byHand) rr(name string, ttl uint32, typ, value string) dns.RR {
	if typ == "TXT" {
		value = rrset.QuoteTXT(value)
	}
	r, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttl, typ, value))
	if err != nil {
		h.t.Fatalf("the step %s %s %q is not a record: %v", name, typ, value, err)
	}
	return r
}

func TestConformanceByHand(t *testing.T) {
	bindtest.Require(t)
	providertest.Run(t, providertest.Harness{
		Zone: "example.com",
		Setup: func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider {
			primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed})
			secondary := bindtest.StartSecondary(t, primary, bindtest.Options{})
			secondary.WaitSerial(t, primary.Serial(t), 10*time.Second)
			p, err := Open(providers.Config{Name: "customer-dns", Type: "manual", DNS: providers.DNS{
				Resolver:    "127.0.0.1:1",
				Nameservers: func(string) []string { return []string{primary.Addr, secondary.Addr} },
			}})
			if err != nil {
				t.Fatal(err)
			}
			return &byHand{Provider: p.(*Provider), t: t, primary: primary, zone: zone}
		},
	})
}

// TestNeverWrites: the provider itself writes nothing and lists nothing.
func TestNeverWrites(t *testing.T) {
	p, _ := Open(providers.Config{Name: "customer-dns", Type: "manual"})
	if _, err := p.Records(context.Background(), "contoso.com"); err == nil || !strings.Contains(err.Error(), "writes nothing") {
		t.Errorf("Records: %v", err)
	}
	if n, err := p.Apply(context.Background(), "contoso.com", []rrset.Edit{{New: rrset.New("contoso.com", "@", "MX", 3600, "10 mx.example.net.")}}); n != 0 || err == nil {
		t.Errorf("Apply: %d, %v", n, err)
	}
	if !providers.IsManual(p) {
		t.Error("not manual")
	}
}
