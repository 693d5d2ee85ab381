package powerdns

import (
	"context"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/powerdns/pdnstest"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/rrset"
)

// open opens the provider against s, as a configuration would.
func open(t *testing.T, s *pdnstest.Server, key string) *Provider {
	t.Helper()
	p, err := providers.Open(providers.Config{Name: "pdns", Type: "powerdns", Settings: map[string]string{"url": "http://" + s.API, "api_key": key}})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*Provider)
}

func TestConformance(t *testing.T) {
	srv := pdnstest.Start(t)
	providertest.Run(t, providertest.Harness{
		Zone: "example.com",
		Setup: func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider {
			// One server, the zone made afresh for each subtest.
			p := open(t, srv, pdnstest.APIKey)
			t.Cleanup(func() { srv.DeleteZone(t, zone) })
			srv.Zone(t, zone, seed)
			return p
		},
	})
}

// TestErrors: the API's message is shown; a bad url and an empty key are
// refused before any request.
func TestErrors(t *testing.T) {
	srv := pdnstest.Start(t)
	p := open(t, srv, pdnstest.APIKey)
	_, err := p.Records(context.Background(), "nowhere.example")
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a zone the server does not have: %v", err)
	}
	srv.Zone(t, "contoso.com", nil)
	bad := rrset.Edit{Old: rrset.RRset{Name: "contoso.com.", Type: "MX"}, New: rrset.New(".", "contoso.com.", "MX", 3600, "10 inbound.mailgate.example.net.", "not an mx")}
	if _, err := p.Apply(context.Background(), "contoso.com", []rrset.Edit{bad}); err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("a bad record: %v", err)
	}
	wrong := open(t, srv, "wrong")
	if _, err := wrong.Records(context.Background(), "contoso.com"); err == nil || !strings.Contains(err.Error(), "check api_key") {
		t.Errorf("a wrong key: %v", err)
	}
	for _, u := range []string{"ftp://127.0.0.1", "127.0.0.1:8081", ""} {
		if _, err := providers.Open(providers.Config{Name: "pdns", Type: "powerdns", Settings: map[string]string{"url": u, "api_key": "k"}}); err == nil {
			t.Errorf("url %q accepted", u)
		}
	}
}

func TestNameservers(t *testing.T) {
	srv := pdnstest.Start(t)
	srv.Zone(t, "contoso.com", nil)
	ns, err := open(t, srv, pdnstest.APIKey).Nameservers(context.Background(), "contoso.com")
	if err != nil || len(ns) != 1 || ns[0] != "ns1.dnshost.example.net." {
		t.Errorf("Nameservers = %v, %v", ns, err)
	}
}
