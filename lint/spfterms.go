package lint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/spf"
)

// evaluated returns the terms check_host() evaluates when nothing matches:
// the mechanisms up to and including the first "all", then the first
// redirect, which applies only when the record has no "all" (RFC 7208 §6.1).
func evaluated(r *spf.Record) []spf.Term {
	var out []spf.Term
	var redirect *spf.Term
	hasAll := false
	for i, t := range r.Terms {
		switch {
		case t.Mechanism != "":
			if !hasAll {
				out = append(out, t)
			}
			hasAll = hasAll || t.Mechanism == "all"
		case t.Modifier == "redirect" && redirect == nil:
			redirect = &r.Terms[i]
		}
	}
	if redirect != nil && !hasAll {
		out = append(out, *redirect)
	}
	return out
}

// repeatedModifier names a modifier RFC 7208 §6 allows once that appears twice.
func repeatedModifier(r *spf.Record) string {
	seen := map[string]bool{}
	for _, t := range r.Terms {
		if t.Modifier == "redirect" || t.Modifier == "exp" {
			if seen[t.Modifier] {
				return t.Modifier
			}
			seen[t.Modifier] = true
		}
	}
	return ""
}

func queriesDNS(t spf.Term) bool {
	switch t.Mechanism {
	case "include", "a", "mx", "ptr", "exists":
		return true
	}
	return t.Modifier == "redirect"
}

// termDomain returns the domain-spec of a term, without a CIDR suffix or a
// trailing dot, lower case; "" when the term names none (a, mx, ptr alone).
func termDomain(t spf.Term) string {
	v := t.Value
	if t.Mechanism == "a" || t.Mechanism == "mx" {
		v = stripCIDR(v)
	}
	if t.Mechanism == "ptr" {
		return "" // ptr's lookups start from the sender's address
	}
	return strings.ToLower(strings.TrimSuffix(v, "."))
}

// stripCIDR removes a trailing "/n", "//m" or "/n//m" from an a or mx value.
func stripCIDR(v string) string {
	if i := strings.Index(v, "//"); i >= 0 && allDigits(v[i+2:]) {
		v = v[:i]
	}
	if i := strings.LastIndexByte(v, '/'); i >= 0 && allDigits(v[i+1:]) {
		v = v[:i]
	}
	return v
}

// badName says why a name cannot be asked in DNS, or "" when it can.
func badName(name string) string {
	n := strings.TrimSuffix(name, ".")
	if len(n) > 253 {
		return "longer than 253 bytes"
	}
	for _, l := range strings.Split(n, ".") {
		switch {
		case l == "":
			return "empty label"
		case len(l) > 63:
			return "a label longer than 63 bytes"
		}
	}
	return ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// expandEscapes expands the macro escapes that do not depend on the sender:
// "%%" is "%", "%_" a space, "%-" "%20" (RFC 7208 §7.1).
func expandEscapes(s string) string {
	r := strings.NewReplacer("%%", "%", "%_", " ", "%-", "%20")
	return r.Replace(s)
}

func viaText(t spf.Term, target string) string {
	if t.Modifier == "redirect" {
		return "redirect=" + target
	}
	return "include:" + target
}

func lookupReason(err error) string {
	var le *LookupError
	if errors.As(err, &le) {
		return le.Error()
	}
	return err.Error()
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// maxShown is how much of a record the tree shows.
const maxShown = 72

// abbreviate shortens a long record for the tree, keeping whole terms.
func abbreviate(rec string) string {
	if len(rec) <= maxShown {
		return rec
	}
	cut := strings.LastIndexByte(rec[:maxShown], ' ')
	if cut < 0 {
		cut = maxShown
	}
	return rec[:cut] + " …"
}

// Render draws the tree, one record a line, with each record's own lookups
// and the running total:
//
//	v=spf1 include:_spf.esp.example -all            own 1  total 3
//	└─ _spf.esp.example  v=spf1 include:a.esp.example -all  own 1  total 2
func (n *SPFNode) Render() string {
	type line struct{ left, right string }
	var lines []line
	var walk func(n *SPFNode, prefix, branch string)
	walk = func(n *SPFNode, prefix, branch string) {
		label := abbreviate(n.Record)
		if n.Via != "" {
			label = n.Domain
			if strings.HasPrefix(n.Via, "redirect=") {
				label = n.Via
			}
			if n.Record != "" {
				label += "   " + abbreviate(n.Record)
			}
		}
		right := fmt.Sprintf("own %d  total %d", n.Own, n.Total)
		if n.Note != "" {
			label += "   (" + n.Note + ")"
			right = ""
		}
		lines = append(lines, line{prefix + branch + label, right})
		childPrefix := prefix
		switch branch {
		case "├─ ":
			childPrefix += "│  "
		case "└─ ":
			childPrefix += "   "
		}
		for i, c := range n.Children {
			b := "├─ "
			if i == len(n.Children)-1 {
				b = "└─ "
			}
			walk(c, childPrefix, b)
		}
	}
	walk(n, "", "")
	width := 0
	for _, l := range lines {
		width = max(width, len([]rune(l.left)))
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.left)
		if l.right != "" {
			b.WriteString(strings.Repeat(" ", width-len([]rune(l.left))+3))
			b.WriteString(l.right)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
