package flatten

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/spf"
)

// MaxRecord is the size one SPF TXT record is kept under, so answers fit in
// a 512-byte UDP message (RFC 7208 §3.4).
const MaxRecord = 450

// MaxChain is how many _spf<N> records a domain may chain.
const MaxChain = schema.MaxSPFChain

// Result is a domain's flattened SPF.
type Result struct {
	Domain string `json:"domain"`
	// Record is the apex SPF record; Chain the _spf1, _spf2, ... records
	// it includes when the addresses do not fit in it.
	Record string   `json:"record"`
	Chain  []string `json:"chain,omitempty"`
	// Sources are the flattened includes and what each authorizes.
	Sources []Source `json:"sources"`
	// Lookups are the DNS lookups the published record needs.
	Lookups int `json:"lookups"`
}

// ChainName is the owner name of the n-th (1-based) chained record.
func ChainName(domain string, n int) string {
	return fmt.Sprintf("_spf%d.%s.", n, domain)
}

// Build flattens a domain's SPF: the configured record with the flattened
// includes replaced by the ip4 and ip6 terms they authorize, split into
// chained _spf<N> records when it would not fit in one. It refuses, with
// the reason, when an include cannot be flattened, a lookup fails, the
// result needs more than 10 lookups, or it would not authorize exactly the
// addresses of the tree.
func Build(ctx context.Context, r *Resolver, d *schema.Domain) (*Result, error) {
	fl := d.SPF.Flatten
	res := &Result{Domain: d.Name}
	var all []netip.Prefix
	for _, name := range fl.Names {
		ps, err := r.Include(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("include:%s cannot be flattened: %w", name, err)
		}
		res.Sources = append(res.Sources, Source{Include: name, Prefixes: ps})
		all = append(all, ps...)
	}
	all = Minimal(all)
	own := fl.Spec
	own.Include = nil
	for _, inc := range fl.Spec.Include {
		if !isFlattened(fl.Names, inc) {
			own.Include = append(own.Include, inc)
		}
	}
	// The lookups of what stays: the domain's own mechanisms and the
	// includes not flattened, through the live tree.
	base := lint.SPF(ctx, r.DNS, d.Name, own.Render())
	if base == nil {
		return nil, fmt.Errorf("the SPF record without the flattened includes could not be checked")
	}
	one := own
	for _, p := range all {
		one = addPrefix(one, p)
	}
	if text := one.Render(); len(text) <= MaxRecord {
		res.Record, res.Lookups = text, base.Lookups
	} else {
		chunks := chain(all)
		if len(chunks) > MaxChain {
			return nil, fmt.Errorf("the addresses need %d chained records; at most %d", len(chunks), MaxChain)
		}
		apex := own
		for i := range chunks {
			apex.Include = append(apex.Include, strings.TrimSuffix(ChainName(d.Name, i+1), "."))
		}
		res.Record, res.Chain, res.Lookups = apex.Render(), chunks, base.Lookups+len(chunks)
		if len(res.Record) > MaxRecord {
			return nil, fmt.Errorf("the SPF record would be %d bytes even with its addresses chained; the limit is %d", len(res.Record), MaxRecord)
		}
	}
	if res.Lookups > lint.MaxLookups {
		return nil, fmt.Errorf("%w: %d", ErrTooManyLookups, res.Lookups)
	}
	// The published records must authorize exactly the tree's addresses.
	got, err := published(res)
	if err != nil {
		return nil, err
	}
	want := append(ownPrefixes(fl.Spec), all...)
	if !Covers(got, want) || !Covers(want, got) {
		return nil, fmt.Errorf("the flattened record does not authorize exactly the addresses of the includes; refused")
	}
	return res, nil
}

func isFlattened(names []string, inc string) bool {
	inc = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(inc), "."))
	for _, n := range names {
		if n == inc {
			return true
		}
	}
	return false
}

// addPrefix adds an ip4 or ip6 term to a spec.
func addPrefix(s spf.Spec, p netip.Prefix) spf.Spec {
	if p.Addr().Is4() {
		s.IP4 = append(append([]string(nil), s.IP4...), term(p))
	} else {
		s.IP6 = append(append([]string(nil), s.IP6...), term(p))
	}
	return s
}

// term writes a prefix as an SPF value: the address alone for a host.
func term(p netip.Prefix) string {
	if p.Bits() == p.Addr().BitLen() {
		return p.Addr().String()
	}
	return p.String()
}

// chain packs prefixes into records of at most MaxRecord bytes.
func chain(ps []netip.Prefix) []string {
	var out []string
	cur := "v=spf1"
	for _, p := range ps {
		t := "ip4:" + term(p)
		if p.Addr().Is6() {
			t = "ip6:" + term(p)
		}
		if len(cur)+1+len(t) > MaxRecord {
			out = append(out, cur)
			cur = "v=spf1"
		}
		cur += " " + t
	}
	if cur != "v=spf1" {
		out = append(out, cur)
	}
	return out
}

// ownPrefixes are the ip4 and ip6 terms the configuration writes itself.
func ownPrefixes(s spf.Spec) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range append(append([]string(nil), s.IP4...), s.IP6...) {
		if p, err := prefix(v); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// published collects the ip4 and ip6 terms of the records a result
// publishes, parsed back from their text.
func published(res *Result) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, text := range append([]string{res.Record}, res.Chain...) {
		rec, err := spf.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("the flattened record does not parse: %v", err)
		}
		for _, t := range rec.Terms {
			if t.Mechanism == "ip4" || t.Mechanism == "ip6" {
				p, err := prefix(t.Value)
				if err != nil {
					return nil, err
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// Apply flattens the SPF of every domain that asks for it, resolving each
// include once, and sets the records each publishes. It returns the results
// and, per domain it refused, why; a refused domain keeps SPFFlattened
// unset, so its SPF is not planned.
func Apply(ctx context.Context, r *Resolver, domains []*schema.Domain) ([]*Result, map[string]error) {
	var out []*Result
	refused := map[string]error{}
	for _, d := range domains {
		if d.SPF == nil || d.SPF.Flatten == nil || d.SPF.Absent {
			continue
		}
		res, err := Build(ctx, r, d)
		if err != nil {
			refused[d.Name] = err
			continue
		}
		f := *d.SPF
		f.Text = res.Record
		d.SPF, d.SPFChain, d.SPFFlattened = &f, res.Chain, true
		out = append(out, res)
	}
	return out, refused
}
