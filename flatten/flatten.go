// Package flatten publishes an SPF include as the addresses it authorizes,
// resolved at plan time from the live DNS, with no cache file: the zone is
// the only record of what was published, and every plan resolves again, so
// an upstream change shows up as a change in the next plan.
//
// It refuses rather than guess. An include that depends on the sender
// (macros, exists, ptr), authorizes everyone (+all), uses a qualifier that
// ip4/ip6 terms cannot carry, or whose tree has a lookup that fails or times
// out, is not flattened, and the domain's SPF is not written: a flattened
// record must never lose a range the include authorizes. The result is
// checked to authorize exactly the addresses of the tree.
package flatten

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/spf"
)

// maxDepth bounds include chains, as RFC 7208 §4.6.4's lookup limit would.
const maxDepth = 10

// Source is what one flattened include authorizes.
type Source struct {
	Include  string         `json:"include"`
	Prefixes []netip.Prefix `json:"prefixes"`
}

// Resolver resolves includes, each once per run whatever the number of
// domains that flatten it: an MSP's thousand customers share a handful of
// vendor includes.
type Resolver struct {
	DNS lint.Resolver

	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	done     chan struct{}
	prefixes []netip.Prefix
	err      error
}

// NewResolver resolves through r.
func NewResolver(r lint.Resolver) *Resolver {
	return &Resolver{DNS: r, cache: map[string]*entry{}}
}

// Include returns the prefixes an include authorizes, sorted, with no
// duplicates and no prefix inside another, or why it cannot be flattened.
func (r *Resolver) Include(ctx context.Context, name string) ([]netip.Prefix, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	r.mu.Lock()
	e, ok := r.cache[name]
	if !ok {
		e = &entry{done: make(chan struct{})}
		r.cache[name] = e
		r.mu.Unlock()
		w := &walk{ctx: ctx, dns: r.DNS, seen: map[string]bool{}}
		var ps []netip.Prefix
		ps, e.err = w.record(name, 0)
		e.prefixes = Minimal(ps)
		close(e.done)
	} else {
		r.mu.Unlock()
		<-e.done
	}
	return e.prefixes, e.err
}

// walk resolves one include tree.
type walk struct {
	ctx  context.Context
	dns  lint.Resolver
	seen map[string]bool
}

// record resolves the SPF record of name to prefixes.
func (w *walk) record(name string, depth int) ([]netip.Prefix, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: includes nest more than %d deep", name, maxDepth)
	}
	if w.seen[name] {
		return nil, fmt.Errorf("%s: includes itself (a loop)", name)
	}
	w.seen[name] = true
	defer delete(w.seen, name)
	ans, err := w.dns.Lookup(w.ctx, name+".", dns.TypeTXT)
	if err != nil {
		return nil, fmt.Errorf("%s: TXT lookup failed: %w", name, err)
	}
	var records []string
	for _, t := range ans.TXT() {
		if strings.HasPrefix(strings.ToLower(t), "v=spf1") && (len(t) == 6 || t[6] == ' ') {
			records = append(records, t)
		}
	}
	switch len(records) {
	case 0:
		return nil, fmt.Errorf("%s has no SPF record (%s)", name, ans.Status)
	case 1:
	default:
		return nil, fmt.Errorf("%s has %d SPF records (permerror)", name, len(records))
	}
	rec, err := spf.Parse(records[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var out []netip.Prefix
	redirect := ""
	for _, t := range rec.Terms {
		if strings.Contains(t.Value, "%") {
			return nil, fmt.Errorf("%s: %q depends on the sender (a macro), so it cannot be flattened", name, t.Text)
		}
		switch t.Modifier {
		case "redirect":
			redirect = strings.ToLower(strings.TrimSuffix(t.Value, "."))
			continue
		case "":
		default:
			continue // exp= and unknown modifiers authorize nothing
		}
		if t.Mechanism == "all" {
			if t.Qualifier == '+' {
				return nil, fmt.Errorf("%s: %q authorizes every address", name, t.Text)
			}
			redirect = "" // RFC 7208 §6.1: redirect is ignored when all is present
			break
		}
		if t.Qualifier != '+' {
			return nil, fmt.Errorf("%s: %q has a qualifier that ip4 and ip6 terms cannot carry in the flattened record", name, t.Text)
		}
		switch t.Mechanism {
		case "ip4", "ip6":
			p, err := prefix(t.Value)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %v", name, t.Text, err)
			}
			out = append(out, p)
		case "include":
			ps, err := w.record(strings.ToLower(strings.TrimSuffix(t.Value, ".")), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		case "a", "mx":
			ps, err := w.hosts(name, t)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		case "ptr", "exists":
			return nil, fmt.Errorf("%s: %q depends on the sender, so it cannot be flattened", name, t.Text)
		}
	}
	if redirect != "" {
		ps, err := w.record(redirect, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: redirect=%s: %w", name, redirect, err)
		}
		out = append(out, ps...)
	}
	return out, nil
}

// hosts resolves an a or mx mechanism to the prefixes of its addresses.
func (w *walk) hosts(current string, t spf.Term) ([]netip.Prefix, error) {
	target, len4, len6 := current, 32, 128
	v := t.Value
	if i := strings.IndexByte(v, '/'); i >= 0 {
		cidr := v[i:]
		v = v[:i]
		c4, c6, ok := strings.Cut(cidr, "//")
		if c4 != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(c4, "/"))
			if err != nil || n < 0 || n > 32 {
				return nil, fmt.Errorf("%s: %q: bad ip4 prefix length", current, t.Text)
			}
			len4 = n
		}
		if ok {
			n, err := strconv.Atoi(c6)
			if err != nil || n < 0 || n > 128 {
				return nil, fmt.Errorf("%s: %q: bad ip6 prefix length", current, t.Text)
			}
			len6 = n
		}
	}
	if v != "" {
		target = strings.ToLower(strings.TrimSuffix(v, "."))
	}
	names := []string{target}
	if t.Mechanism == "mx" {
		ans, err := w.dns.Lookup(w.ctx, target+".", dns.TypeMX)
		if err != nil {
			return nil, fmt.Errorf("%s: %q: MX lookup failed: %w", current, t.Text, err)
		}
		names = nil
		for _, mx := range ans.MX() {
			names = append(names, strings.TrimSuffix(mx.Mx, "."))
		}
	}
	var out []netip.Prefix
	for _, h := range names {
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			ans, err := w.dns.Lookup(w.ctx, h+".", qt)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %s lookup of %s failed: %w", current, t.Text, dns.TypeToString[qt], h, err)
			}
			for _, a := range ans.Addrs() {
				bits := len4
				if a.Is6() {
					bits = len6
				}
				p, _ := a.Prefix(bits)
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// prefix parses an ip4/ip6 value: an address with an optional length.
func prefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Minimal sorts prefixes and drops duplicates and prefixes inside another:
// the same addresses, in the fewest terms of the ones given.
func Minimal(ps []netip.Prefix) []netip.Prefix {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	var out []netip.Prefix
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Addr().Is4() == p.Addr().Is4() && out[n-1].Contains(p.Addr()) && out[n-1].Bits() <= p.Bits() {
			continue
		}
		out = append(out, p)
	}
	return out
}

// Covers reports whether every address of want is authorized by got.
func Covers(got, want []netip.Prefix) bool {
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g netip.Prefix) bool { return g.Contains(w.Addr()) && g.Bits() <= w.Bits() }) {
			return false
		}
	}
	return true
}

// ErrTooManyLookups is returned when even the chained record needs more
// than 10 DNS lookups.
var ErrTooManyLookups = errors.New("more than 10 DNS lookups even when flattened")
