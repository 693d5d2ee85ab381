package verify

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// delegationWorld starts a resolver (127.0.0.1), the parent zone test.'s server
// (127.0.0.3) and customer.test.'s own server (127.0.0.2), all on one port.
func delegationWorld(t *testing.T, parentNS, zoneNS []string, resolverKnows bool) Options {
	t.Helper()
	port := freePort(t, "127.0.0.1", "127.0.0.2", "127.0.0.3")
	nsRRs := func(names []string) []dns.RR {
		var out []dns.RR
		for _, n := range names {
			out = append(out, rr(t, "customer.test. 300 IN NS "+n)...)
		}
		return out
	}
	glue := rr(t, "ns1.customer.test. 300 IN A 127.0.0.2", "ns2.customer.test. 300 IN A 127.0.0.2",
		"ns.provider.test. 300 IN A 127.0.0.2")
	world := append(rr(t, "test. 300 IN NS a.nic.test.", "a.nic.test. 300 IN A 127.0.0.3"), glue...)
	if resolverKnows {
		world = append(world, nsRRs(zoneNS)...)
	}
	resolver := startFake(t, "127.0.0.1", port, world)
	parent := startFake(t, "127.0.0.3", port, rr(t, "test. 300 IN SOA a.nic.test. h.nic.test. 1 2 3 4 5"))
	if len(parentNS) > 0 {
		parent.update(func(f *fake) { f.referrals = map[string][]dns.RR{"customer.test.": nsRRs(parentNS)} })
	}
	startFake(t, "127.0.0.2", port, append(nsRRs(zoneNS), glue...))
	return Options{Resolver: resolver.Addr, Port: port}
}

func TestDelegation(t *testing.T) {
	for _, tc := range []struct {
		name             string
		parentNS, zoneNS []string
		resolverKnows    bool
		provider         []string
		status           DelegationStatus
		text             string
		providerMatches  bool
	}{
		{"matching", []string{"ns1.customer.test."}, []string{"ns1.customer.test."}, true, nil,
			Delegated, "delegated and matching: the parent zone test. and customer.test itself both list ns1.customer.test", false},
		{"differing", []string{"ns1.customer.test."}, []string{"ns1.customer.test.", "ns2.customer.test."}, true, nil,
			DelegatedDiffering, "delegated but differing: the parent zone test. lists ns1.customer.test; customer.test itself lists ns1.customer.test, ns2.customer.test", false},
		{"not delegated", nil, []string{"ns.provider.test."}, false, []string{"ns.provider.test"},
			NotDelegated, "published but not yet delegated: the parent zone test. does not list nameservers for customer.test; this is normal for a new customer domain until the registrar is updated", false},
		{"provider matches", []string{"ns.provider.test."}, []string{"ns.provider.test."}, true, []string{"NS.provider.test."},
			Delegated, "the parent delegates to the provider's assigned nameservers (ns.provider.test)", true},
		{"provider differs", []string{"ns1.customer.test."}, []string{"ns1.customer.test."}, true, []string{"ns.provider.test"},
			Delegated, "the provider assigned ns.provider.test, but the parent delegates to ns1.customer.test: update the registrar", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := delegationWorld(t, tc.parentNS, tc.zoneNS, tc.resolverKnows)
			o.ProviderNameservers = tc.provider
			d, err := CheckDelegation(context.Background(), "customer.test", o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v\n%s", d, d)
			if d.Status != tc.status || d.Parent != "test." || d.ProviderMatches() != tc.providerMatches {
				t.Errorf("status %q parent %q provider matches %v", d.Status, d.Parent, d.ProviderMatches())
			}
			if !strings.Contains(d.String(), tc.text) {
				t.Errorf("text:\n%s\nwant:\n%s", d, tc.text)
			}
			if len(d.ZoneNS) != len(tc.zoneNS) {
				t.Errorf("zone NS %v, want %v", d.ZoneNS, tc.zoneNS)
			}
		})
	}
}

// TestNotDelegatedStillVerifies checks a new customer domain through the
// provider's assigned nameservers, which the resolver cannot find yet.
func TestNotDelegatedStillVerifies(t *testing.T) {
	o := delegationWorld(t, nil, []string{"ns.provider.test."}, false)
	o.ProviderNameservers = []string{"ns.provider.test"}
	ns, err := Discover(context.Background(), "customer.test", o)
	if err != nil || len(ns) != 1 || ns[0].Name != "ns.provider.test." || ns[0].Addrs[0] != "127.0.0.2:"+o.Port {
		t.Fatalf("%v %+v", err, ns)
	}
}
