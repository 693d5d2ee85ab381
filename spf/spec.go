package spf

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// Spec is the builder form of an SPF policy, as written in mailzone.yaml.
type Spec struct {
	// Include lists domains for include: terms, in evaluation order.
	Include []string
	// IP4 and IP6 list addresses or prefixes for ip4: and ip6: terms.
	IP4, IP6 []string
	// A and MX add the bare "a" and "mx" mechanisms.
	A, MX bool
	// All is "fail" ("-all") or "softfail" ("~all"). Empty means "fail"
	// unless Redirect is set.
	All string
	// Redirect names a domain for redirect=.
	Redirect string
}

// Render returns the record text. Terms come in a fixed order so the same
// Spec always gives the same text:
//
//	v=spf1 [a] [mx] ip4:... ip6:... include:... [-all | ~all] [redirect=...]
//
// ip4 and ip6 values are sorted and deduplicated; include keeps the order
// given, since it is the evaluation order, and drops repeats. An All value
// other than fail or softfail renders no all term; Check reports it.
func (s Spec) Render() string {
	terms := []string{version}
	if s.A {
		terms = append(terms, "a")
	}
	if s.MX {
		terms = append(terms, "mx")
	}
	for _, ip := range sortedAddrs(s.IP4) {
		terms = append(terms, "ip4:"+ip)
	}
	for _, ip := range sortedAddrs(s.IP6) {
		terms = append(terms, "ip6:"+ip)
	}
	seen := map[string]bool{}
	for _, inc := range s.Include {
		inc = strings.TrimSpace(inc)
		if !seen[inc] {
			seen[inc] = true
			terms = append(terms, "include:"+inc)
		}
	}
	if all := s.allTerm(); all != "" {
		terms = append(terms, all)
	}
	if r := strings.TrimSpace(s.Redirect); r != "" {
		terms = append(terms, "redirect="+r)
	}
	return strings.Join(terms, " ")
}

func (s Spec) allTerm() string {
	switch s.All {
	case "fail":
		return "-all"
	case "softfail":
		return "~all"
	case "":
		if strings.TrimSpace(s.Redirect) == "" {
			return "-all"
		}
	}
	return ""
}

// Check renders the Spec and returns the syntax problems of the text or, if
// it parses, the findings of Check, so builder and raw records get the same
// messages.
func (s Spec) Check(p Policy) []Problem {
	var problems []Problem
	switch s.All {
	case "", "fail", "softfail":
	default:
		problems = append(problems, errorf("", "all: %q is not one of fail, softfail", s.All))
	}
	r, syntax := parse(s.Render())
	if len(syntax) > 0 {
		return append(problems, syntax...)
	}
	return append(problems, Check(r, p)...)
}

// sortedAddrs trims, deduplicates and sorts addresses: valid ones by
// address then prefix length, invalid ones after them as text.
func sortedAddrs(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		pa, erra := parsePrefix(a)
		pb, errb := parsePrefix(b)
		switch {
		case erra != nil && errb != nil:
			return strings.Compare(a, b)
		case erra != nil:
			return 1
		case errb != nil:
			return -1
		}
		if c := pa.Addr().Compare(pb.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(pa.Bits(), pb.Bits()); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, -1), nil
}

// FromRecord returns the Spec whose Render is byte-identical to r.String(),
// and false when the record cannot be written in builder form (for example
// it has ptr, exp, qualifiers other than the builder's, or terms out of the
// builder's order).
func FromRecord(r *Record) (Spec, bool) {
	var s Spec
	for _, t := range r.Terms {
		switch {
		case t.Text == "a":
			s.A = true
		case t.Text == "mx":
			s.MX = true
		case t.Mechanism == "ip4" && t.Qualifier == '+':
			s.IP4 = append(s.IP4, t.Value)
		case t.Mechanism == "ip6" && t.Qualifier == '+':
			s.IP6 = append(s.IP6, t.Value)
		case t.Mechanism == "include" && t.Qualifier == '+':
			s.Include = append(s.Include, t.Value)
		case t.Text == "-all":
			s.All = "fail"
		case t.Text == "~all":
			s.All = "softfail"
		case t.Modifier == "redirect":
			s.Redirect = t.Value
		default:
			return Spec{}, false
		}
	}
	if s.All == "fail" && s.Redirect == "" {
		s.All = ""
	}
	if s.Render() != r.String() {
		return Spec{}, false
	}
	return s, true
}
