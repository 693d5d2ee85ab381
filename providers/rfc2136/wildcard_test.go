package rfc2136_test

import (
	"context"
	"testing"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// TestCreateBesideWildcard: with *._domainkey in the zone (a parked domain's
// revoked-key wildcard), a query for a selector that holds nothing is answered
// from the wildcard. Apply must not take that answer for an existing RRset: the
// UPDATE would carry a prerequisite the server rejects (NXRRSET) every time.
// Found by the ownership property test in e2e.
func TestCreateBesideWildcard(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: []rrset.RRset{
		rrset.New(zone, "*._domainkey", "TXT", 3600, "v=DKIM1; p="),
	}})
	p := open(t, server.Addr, server.Key)
	edits := []rrset.Edit{
		{New: rrset.New(zone, "mz1._domainkey", "TXT", 3600, "v=DKIM1; p=")},
		{New: rrset.New(zone, "s2._domainkey", "TXT", 3600, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")},
	}
	if n, err := p.Apply(context.Background(), zone, edits); err != nil || n != len(edits) {
		t.Fatalf("Apply = %d, %v", n, err)
	}
	sets, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	for _, e := range edits {
		if got := idx[e.Key()]; !got.Equal(e.New) {
			t.Errorf("%s: got %v, want %v", e.Key(), got, e.New)
		}
	}
	if got := idx[rrset.Key{Name: "*._domainkey." + zone + ".", Type: "TXT"}]; len(got.Values) != 1 {
		t.Errorf("the wildcard changed: %v", got)
	}
}
