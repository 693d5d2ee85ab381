package plan

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// benchFleet returns n domains on one profile and, for each, the records its
// zone holds: old mail records for odd domains, the desired ones for even.
func benchFleet(b *testing.B, n int) ([]*schema.Domain, [][]rrset.RRset) {
	b.Helper()
	var y strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&y, "  c%05d.example: {mx: mx.example.net, spf: {include: [s.example.net]}, dmarc: {policy: reject}, dkim: {k1: {public_key: %s}}}\n", i, key2048)
	}
	cfg, err := schema.Parse("mailzone.yaml", []byte(cfgHead+y.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	zones := make([][]rrset.RRset, n)
	for i, d := range cfg.Domains {
		z := d.Name
		zones[i] = []rrset.RRset{rrset.New(z, "@", "A", 300, "192.0.2.1"), rrset.New(z, "www", "CNAME", 300, z+".")}
		if i%2 == 1 {
			zones[i] = append(zones[i], rrset.New(z, "@", "MX", 3600, "10 a.old.", "20 b.old."),
				rrset.New(z, "@", "TXT", 3600, "v=spf1 ~all", "verify=1"))
			continue
		}
		for _, r := range d.Records() {
			if !r.Set.Empty() {
				zones[i] = append(zones[i], r.Set)
			}
		}
	}
	return cfg.Domains, zones
}

// BenchmarkDiff diffs 1,000 domains against their zones, half with changes.
func BenchmarkDiff(b *testing.B) {
	ds, zones := benchFleet(b, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, d := range ds {
			Diff(d.Name, "p", ds[i:i+1], zones[i])
		}
	}
}

func benchPlan(b *testing.B) *Plan {
	ds, zones := benchFleet(b, 1000)
	p := &Plan{FormatVersion: FormatVersion}
	for i, d := range ds {
		p.Zones = append(p.Zones, Diff(d.Name, "p", ds[i:i+1], zones[i]))
	}
	return p
}

// BenchmarkText renders the plan of 1,000 domains as text.
func BenchmarkText(b *testing.B) {
	p := benchPlan(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Text(io.Discard, p, TextOptions{})
	}
}

// BenchmarkJSON renders the plan of 1,000 domains as JSON.
func BenchmarkJSON(b *testing.B) {
	p := benchPlan(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := JSON(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarkdown renders the plan of 1,000 domains as a PR comment.
func BenchmarkMarkdown(b *testing.B) {
	p := benchPlan(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Markdown(io.Discard, p, MarkdownOptions{Limit: 60000})
	}
}
