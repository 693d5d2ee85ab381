package rfc2136

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
)

// TestChangeAfterReadRejectsWholeUpdate: the RRsets Apply read are prerequisites
// of its UPDATE, so a change by another writer between the read and the write
// makes the server reject the message, and none of its edits is written.
func TestChangeAfterReadRejectsWholeUpdate(t *testing.T) {
	const zone = "example.com."
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: []rrset.RRset{
		rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx ~all"),
	}})
	pr, err := Open(providers.Config{Settings: map[string]string{
		"server": server.Addr, "key_name": server.Key.Name, "key": server.Key.Secret,
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := pr.(*Provider)
	edits := []rrset.Edit{
		{New: rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject")},
		{Old: rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx ~all"), New: rrset.New(zone, "@", "TXT", 3600, "v=spf1 -all")},
	}
	ctx := context.Background()
	current, err := p.readSets(ctx, zone, edits)
	if err != nil {
		t.Fatal(err)
	}

	// Another writer adds a verification token to the apex TXT RRset.
	rr, _ := dns.NewRR(zone + ` 3600 IN TXT "token=1"`)
	other := new(dns.Msg)
	other.SetUpdate(zone)
	other.Insert([]dns.RR{rr})
	if _, err := p.exchange(ctx, other); err != nil {
		t.Fatal(err)
	}

	m, err := buildUpdate(zone, edits, current)
	if err != nil {
		t.Fatal(err)
	}
	err = p.send(ctx, zone, m)
	if err == nil || !strings.Contains(err.Error(), "NXRRSET") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("send after a concurrent change: %v, want NXRRSET and nothing written", err)
	}
	t.Logf("send: %v", err)
	sets, err := p.Records(ctx, zone)
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	if got := idx[rrset.Key{Name: zone, Type: "TXT"}].Values; len(got) != 2 || got[0] != "token=1" || got[1] != "v=spf1 mx ~all" {
		t.Errorf("apex TXT = %q, want the old SPF and the token", got)
	}
	if got, ok := idx[rrset.Key{Name: "_dmarc." + zone, Type: "TXT"}]; ok {
		t.Errorf("_dmarc written by a rejected update: %v", got)
	}
}

// TestFromLibdnsUnescapesTXT pins the form libdns/rfc2136 v1.0.1 hands over TXT
// data in: the character-strings joined, each in miekg/dns escaped form.
func TestFromLibdnsUnescapesTXT(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{`v=spf1 -all`, `v=spf1 -all`},
		{`token with \"quotes\" and \\backslash`, `token with "quotes" and \backslash`},
		{`caf\195\169`, "café"},
		{`a;b`, `a;b`},
	} {
		if got := normalize("TXT", tc.data); got != tc.want {
			t.Errorf("normalize(TXT, %q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}
