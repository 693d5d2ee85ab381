package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/rrset"
)

// group is one change that several domains share: the same field, action,
// type, TTLs and values, at each domain's own name.
type group struct {
	field, typ string
	action     rrset.Kind
	old, new   []string
	domains    []string
}

func (g *group) render(full bool) string {
	const show = 5
	names := make([]string, 0, show)
	for i, dom := range g.domains {
		if i == show {
			break
		}
		names = append(names, escape.Code(dom))
	}
	more := ""
	if n := len(g.domains) - show; n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	vals := func(vs []string) string {
		if len(vs) == 0 {
			return "nothing"
		}
		var out []string
		for _, v := range vs {
			out = append(out, escape.Code(shortValue(displayValue(g.typ, v, full))))
		}
		return strings.Join(out, ", ")
	}
	change := ""
	switch g.action {
	case rrset.Create:
		change = "add " + vals(g.new)
	case rrset.Delete:
		change = "delete " + vals(g.old)
	default:
		change = vals(g.old) + " → " + vals(g.new)
	}
	return fmt.Sprintf("- **%d domains** · %s %s %s: %s; %s%s\n", len(g.domains), symbols[g.action], escape.Text(g.typ), escape.Code(g.field), change, strings.Join(names, ", "), more)
}

// groupChanges finds the changes that two or more domains share, largest
// group first.
func groupChanges(p *Plan) []*group {
	byKey := map[string]*group{}
	var order []*group
	for _, z := range p.Zones {
		for _, ch := range z.Changes {
			if strings.HasPrefix(ch.Field, "dkim.") && ch.Action == rrset.Create {
				continue // new keys differ per domain
			}
			old, nw := ownedValues(ch.Old), ownedValues(ch.New)
			k := strings.Join([]string{ch.Field, string(ch.Action), ch.Key().Type, strings.Join(old, "\x00"), "\x01", strings.Join(nw, "\x00")}, "\x02")
			g := byKey[k]
			if g == nil {
				g = &group{field: ch.Field, typ: ch.Key().Type, action: ch.Action, old: old, new: nw}
				byKey[k] = g
				order = append(order, g)
			}
			if len(g.domains) == 0 || g.domains[len(g.domains)-1] != ch.Domain {
				g.domains = append(g.domains, ch.Domain)
			}
		}
	}
	var out []*group
	for _, g := range order {
		if len(g.domains) >= 2 {
			out = append(out, g)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].domains) > len(out[j].domains) })
	return out
}

func ownedValues(s rrset.RRset) []string {
	vs := append([]string(nil), s.Values...)
	sort.Strings(vs)
	return vs
}

// shortValue bounds a displayed value.
func shortValue(s string) string {
	if len(s) > maxValue {
		return escape.Short(s)
	}
	return s
}

// section is one domain's part of the markdown plan.
type section struct {
	table, details string
}

var symbols = map[rrset.Kind]string{rrset.Create: "+", rrset.Update: "~", rrset.Delete: "-"}

// domainSection renders the changes of one domain: a heading, a table of the
// changes and a collapsed diff of the values. ok is false without changes.
func domainSection(z *Zone, domain string, full bool) (section, bool) {
	var changes []Change
	for _, ch := range z.Changes {
		if ch.Domain == domain {
			changes = append(changes, ch)
		}
	}
	if len(changes) == 0 {
		return section{}, false
	}
	var c Counts
	for _, ch := range changes {
		c = add(c, (&Zone{Changes: []Change{ch}}).Counts())
	}
	var t strings.Builder
	fmt.Fprintf(&t, "\n#### %s\n\n", escape.Text(domain))
	if z.Zone != domain {
		fmt.Fprintf(&t, "In zone %s (provider %s): %s.\n\n", escape.Code(z.Zone), escape.Code(z.Provider), Summary(c))
	} else {
		fmt.Fprintf(&t, "Provider %s: %s.\n\n", escape.Code(z.Provider), Summary(c))
	}
	t.WriteString("| | name | type | field | TTL |\n| --- | --- | --- | --- | --- |\n")
	for _, ch := range changes {
		key := ch.Key()
		ttl := ""
		switch {
		case ch.Action == rrset.Update && ch.Old.TTL != ch.New.TTL:
			ttl = fmt.Sprintf("%d → %d", ch.Old.TTL, ch.New.TTL)
		case ch.Action == rrset.Create:
			ttl = strconv.FormatUint(uint64(ch.New.TTL), 10)
		case ch.Action == rrset.Delete:
			ttl = strconv.FormatUint(uint64(ch.Old.TTL), 10)
		}
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s |\n", symbols[ch.Action], escape.Code(key.Name), escape.Text(key.Type), escape.Code(ch.Field), ttl)
	}

	var lines []string
	for i, ch := range changes {
		if i > 0 {
			lines = append(lines, "")
		}
		key := ch.Key()
		lines = append(lines, escape.Terminal(fmt.Sprintf("%s %s %s  # %s", symbols[ch.Action], key.Type, key.Name, ch.Field)))
		for _, v := range ch.Old.Values {
			if !contains(ch.New.Values, v) {
				lines = append(lines, "-   "+displayValue(key.Type, v, full))
			}
		}
		for _, v := range ch.New.Values {
			if contains(ch.Old.Values, v) {
				lines = append(lines, "    "+displayValue(key.Type, v, full))
			} else {
				lines = append(lines, "+   "+displayValue(key.Type, v, full))
			}
		}
		for _, v := range ch.Keep.Values {
			lines = append(lines, "    "+displayValue(key.Type, v, full)+"  (not managed, kept)")
		}
		if ch.SharedTTL {
			lines = append(lines, "  "+sharedTTLNote(ch))
		}
	}
	// Inside a fence longer than any backtick run in it, nothing is markdown
	// or HTML; TXT values are quoted with their control characters escaped.
	body := strings.Join(lines, "\n")
	details := "\n<details><summary>Values before and after</summary>\n\n" + escape.Block("diff", body) + "\n</details>\n"
	return section{table: t.String(), details: details}, true
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// displayValue renders a record value as the text plan does: TXT quoted (so
// control characters show escaped), long DKIM keys shortened unless full.
func displayValue(typ, v string, full bool) string {
	if typ != "TXT" {
		return escape.Terminal(v)
	}
	if !full {
		v = dkimKey.ReplaceAllStringFunc(v, func(m string) string {
			k := m[2:]
			return "p=" + k[:24] + "…" + k[len(k)-12:] + " (" + strconv.Itoa(len(k)) + " chars)"
		})
	}
	return strconv.Quote(v)
}
