package lifecycle

import (
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	neg := 5 * time.Minute
	tests := []struct {
		name string
		sels []Selector
		want []State
		why  []string // a word of each selector's reasons, or ""
	}{
		{"pending: one nameserver stale", []Selector{
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Served: false, Stale: []string{"ns2.dnshost.example.net (192.0.2.54:53) serves nothing"}},
		}, []State{Pending}, []string{"ns2"}},
		{"propagating: seen everywhere 2 minutes ago", []Selector{
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Served: true, FirstServed: now.Add(-2 * time.Minute)},
		}, []State{Propagating}, []string{"ready at 2026-12-01T12:03:00Z"}},
		{"propagating: first seen now", []Selector{
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Served: true},
		}, []State{Propagating}, []string{"ready at 2026-12-01T12:05:00Z"}},
		{"ready after the negative TTL", []Selector{
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Served: true, FirstServed: now.Add(-6 * time.Minute)},
		}, []State{Ready}, []string{""}},
		{"rotation: old ready key retiring, rotation due", []Selector{
			{Name: "mz202606", Kind: "key", Algorithm: "rsa", Created: now.Add(-200 * day), Order: 0, Served: true, FirstServed: now.Add(-200 * day)},
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Created: now.Add(-1 * day), Order: 1, Served: true, FirstServed: now.Add(-time.Hour)},
			{Name: "old", Kind: "revoked"},
		}, []State{Retiring, Ready, Revoked}, []string{"rotation due since 2026-11-11", "", ""}},
		{"a newer key not ready yet keeps the old one ready", []Selector{
			{Name: "mz202606", Kind: "key", Algorithm: "rsa", Served: true, FirstServed: now.Add(-200 * day), Order: 0},
			{Name: "mz202612", Kind: "key", Algorithm: "rsa", Served: false, Order: 1},
		}, []State{Ready, Pending}, []string{"", ""}},
		{"cname to an ESP without a usable key", []Selector{
			{Name: "selector1", Kind: "cname", Served: true, FirstServed: now.Add(-time.Hour), Problems: []string{"selector1-contoso-com._domainkey.contoso.onmicrosoft.com has no DKIM key"}},
		}, []State{Pending}, []string{"onmicrosoft"}},
		{"only Ed25519 warns", []Selector{
			{Name: "ed1", Kind: "key", Algorithm: "ed25519", Served: true, FirstServed: now.Add(-time.Hour)},
		}, []State{Ready}, []string{"RFC 8463"}},
	}
	for _, tt := range tests {
		got := Evaluate(tt.sels, now, neg, 180*day)
		for i := range tt.sels {
			if got[i].State != tt.want[i] {
				t.Errorf("%s: %s is %s, want %s (%v)", tt.name, tt.sels[i].Name, got[i].State, tt.want[i], got[i].Reasons)
			}
			if w := tt.why[i]; w != "" && !strings.Contains(strings.Join(got[i].Reasons, "|"), w) {
				t.Errorf("%s: %s reasons %q lack %q", tt.name, tt.sels[i].Name, got[i].Reasons, w)
			}
		}
	}
}
