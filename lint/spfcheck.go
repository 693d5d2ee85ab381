package lint

import (
	"context"
	"fmt"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/schema"
)

// checkSPF walks the desired SPF record of d and, when it differs, the one
// published now. Problems of the published record are at most warnings:
// apply replaces it.
func checkSPF(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	if d.SPF == nil || d.SPF.Absent || d.SPF.Text == "" {
		return nil
	}
	var out []Finding
	desired := SPF(ctx, r, d.Name, d.SPF.Text)
	if d.SPF.Flatten != nil && !d.SPFFlattened {
		// The unflattened tree is still checked, but its lookups are not
		// what is published: flattening counts and limits those itself.
		for i, p := range desired.Problems {
			if p.Code == CodeSPFLookupLimit {
				desired.Problems[i].Severity = Info
				desired.Problems[i].Msg += " (spf.flatten publishes the flattened includes as addresses, and checks the limit of what it publishes)"
			}
		}
	}
	out = append(out, spfFindings(d, "desired", desired, false)...)
	ans, err := r.Lookup(ctx, d.Name, dns.TypeTXT)
	if err == nil {
		var live []string
		for _, t := range ans.TXT() {
			if schema.IsSPF(t) {
				live = append(live, t)
			}
		}
		if len(live) == 1 && live[0] == d.SPF.Text {
			out = append(out, finding(d, "spf", Problem{Info, CodeSPFPublishedSame, "the published SPF record is the desired one"}))
			return out
		}
	}
	published := PublishedSPF(ctx, r, d.Name)
	out = append(out, spfFindings(d, "published", published, true)...)
	return out
}

// spfFindings turns a walk into findings: the tree first, as a note, then the
// problems, which are at most warnings for the published record.
func spfFindings(d *schema.Domain, which string, res *SPFResult, published bool) []Finding {
	var out []Finding
	if t := res.Tree; t != nil && (t.Own > 0 || len(t.Children) > 0) {
		void := fmt.Sprintf("%d of %d void lookups", res.VoidLookups4, MaxVoidLookups)
		if res.VoidLookups6 != res.VoidLookups4 {
			void += fmt.Sprintf(" (%d for IPv6 senders)", res.VoidLookups6)
		}
		f := finding(d, "spf", Problem{Info, CodeSPFTree, fmt.Sprintf("%s record: %d of %d DNS lookups, %s", which, res.Lookups, MaxLookups, void)})
		f.Tree = t.Render()
		out = append(out, f)
	}
	for _, p := range res.Problems {
		if published {
			if p.Severity == Error {
				p.Severity = Warning
			}
			p.Msg = "published record: " + p.Msg
		}
		out = append(out, finding(d, "spf", p))
	}
	return out
}
