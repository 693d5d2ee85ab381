package plan

import (
	"bytes"
	"strings"
	"testing"
)

func TestMarkdownGolden(t *testing.T) {
	warnings := []string{
		"mailzone.yaml:12:5: warning: domains.customer.example.dmarc.pct: pct was removed by RFC 9989",
		"mailzone.yaml:20:9: warning: domains.customer.example.dkim.mz1: RSA key of 1024 bits <2048>",
	}
	for _, tt := range []struct {
		file string
		p    *Plan
		o    MarkdownOptions
	}{
		{"plan.md", samplePlan(t), MarkdownOptions{Warnings: warnings}},
		{"plan-full.md", samplePlan(t), MarkdownOptions{Full: true}},
		{"plan-limit.md", samplePlan(t), MarkdownOptions{Limit: 1500}},
		{"plan-nochanges.md", &Plan{Zones: []*Zone{{Zone: "a.example", Provider: "p", Domains: []string{"a.example"}}}}, MarkdownOptions{}},
	} {
		var b bytes.Buffer
		if err := Markdown(&b, tt.p, tt.o); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.file, b.Bytes())
		if !strings.HasPrefix(b.String(), MarkdownMarker+"\n") {
			t.Errorf("%s: does not start with the marker", tt.file)
		}
		if strings.Contains(b.String(), "\x1b[") {
			t.Errorf("%s: escape codes", tt.file)
		}
	}
}

func TestMarkdownShape(t *testing.T) {
	var b bytes.Buffer
	Markdown(&b, samplePlan(t), MarkdownOptions{})
	md := b.String()
	for _, want := range []string{
		"**Plan for the rest:** 1 to add, 4 to change, 0 to delete.",
		"- zone `broken.example` (provider `p`): GET /zones: 403 Forbidden",
		"| ~ | `customer.example.` | MX | `mx` |",
		"| + | `mz1._domainkey.customer.example.` | TXT | `dkim.mz1` | 3600 |",
		"-   10 mx1.old.example.",
		"+   10 inbound.mailgate.example.net.",
		`    "google-site-verification=4ac9"  (not managed, kept)`,
		"`crm._domainkey.customer.example.` TXT",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// The summary comes before any domain section.
	if strings.Index(md, "**Plan for the rest:**") > strings.Index(md, "#### customer.example") {
		t.Error("summary is not first")
	}
	if strings.Contains(md, "#### parked.example") {
		t.Error("a domain without changes has a section")
	}
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Error("unbalanced <details>")
	}
}

func TestMarkdownLimit(t *testing.T) {
	var full, short bytes.Buffer
	Markdown(&full, samplePlan(t), MarkdownOptions{})
	Markdown(&short, samplePlan(t), MarkdownOptions{Limit: full.Len() - 1})
	if short.Len() >= full.Len() || strings.Contains(short.String(), "```diff") ||
		!strings.Contains(short.String(), "Left out to fit: the values of 1 domain(s)") {
		t.Errorf("limit not applied:\n%s", short.String())
	}
	if !strings.Contains(short.String(), "| ~ | `customer.example.` | MX |") {
		t.Error("the table was dropped with the details")
	}
}
