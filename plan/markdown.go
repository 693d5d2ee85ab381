package plan

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/rrset"
)

// MarkdownMarker is the hidden first line of every markdown plan. A workflow
// finds the pull request comment that starts with it and updates that comment in
// place, instead of adding a new one on every push. Nothing else in the
// document can produce it: every value is escaped, and any later occurrence
// is broken up (see [escape.Neutralize]).
const MarkdownMarker = "<!-- mailzone-plan -->"

// MarkdownOptions control the markdown renderer.
type MarkdownOptions struct {
	// Title is the heading; default "mailzone plan".
	Title string
	// Errors are problems that are not tied to one domain, shown first.
	Errors []string
	// Warnings are findings to show below the plan (configuration and lint
	// warnings), one line each.
	Warnings []string
	// Full shows long values (DKIM keys) whole instead of shortened.
	Full bool
	// Limit, when positive, is the size in bytes the document stays under (a
	// GitHub comment holds 65536 characters). The summary, what was not
	// planned and the changes grouped across domains come first; per-domain
	// details, lists and warnings are cut short, with a count of what was left
	// out, until it fits.
	Limit int
	// Elsewhere says where the whole plan is when parts are left out; default
	// "the job log has the full plan".
	Elsewhere string
}

// maxValue bounds one value shown inline, in bytes.
const maxValue = 240

// Markdown renders the plan as a compact pull request comment or job summary:
// the hidden [MarkdownMarker]; what was not planned and why, as errors; the
// summary line; the changes that many domains share, grouped; one section per
// domain with changes (a table, and the values before and after collapsed in
// a diff); records left unmanaged; and the warnings. With a Limit the
// document always fits it, whatever the size of the fleet.
func Markdown(w io.Writer, p *Plan, o MarkdownOptions) error {
	title := o.Title
	if title == "" {
		title = "mailzone plan"
	}
	elsewhere := o.Elsewhere
	if elsewhere == "" {
		elsewhere = "the job log has the full plan"
	}
	d := &doc{limit: o.Limit}
	// What must be there whatever the size: about 1 KB.
	d.must(MarkdownMarker + "\n### " + escape.Text(title) + "\n\n")
	errs := p.Errors()
	if p.Partial() || len(o.Errors) > 0 {
		var parts []string
		if len(p.Excluded) > 0 {
			parts = append(parts, fmt.Sprintf("%d domain(s) were not planned", len(p.Excluded)))
		}
		if len(errs) > 0 {
			parts = append(parts, fmt.Sprintf("%d zone(s) could not be read", len(errs)))
		}
		if len(o.Errors) > 0 {
			parts = append(parts, fmt.Sprintf("%d error(s)", len(o.Errors)))
		}
		d.must("> [!CAUTION]\n> **Partial plan: " + strings.Join(parts, ", ") + ".** The changes below do not cover them; fix the errors and plan again.\n\n")
	}
	c := p.Counts()
	summary := ""
	switch {
	case c.Total() == 0 && p.Partial():
		summary = "**No changes in the part that was planned.**\n"
	case c.Total() == 0:
		summary = "**No changes.** The zones match the configuration.\n"
	case p.Partial():
		summary = "**Plan for the rest:** " + Summary(c) + ".\n"
	default:
		summary = "**Plan:** " + Summary(c) + ".\n"
	}
	// The zones shown unchanged by their nameservers, said once near the end.
	dnsNote := ""
	if n, _ := p.ReadThroughDNS(); n > 0 {
		dnsNote = fmt.Sprintf("\n_%d zone(s) %s._\n", n, ReadDNSNote)
	}
	// Reserve room for the summary and the closing notes, which come later.
	d.reserve = len(summary) + 400 + len(dnsNote)

	if p.Partial() || len(o.Errors) > 0 {
		d.must("**Errors: not planned**\n\n")
		var items []string
		for _, e := range o.Errors {
			items = append(items, "- "+escape.Text(escape.Short(e))+"\n")
		}
		for _, x := range p.Excluded {
			var rs []string
			for _, r := range x.Reasons {
				rs = append(rs, escape.Text(shortText(r)))
			}
			items = append(items, "- "+escape.Code(x.Domain)+": "+strings.Join(rs, "; ")+"\n")
		}
		for _, z := range errs {
			items = append(items, "- zone "+escape.Code(z.Zone)+" (provider "+escape.Code(z.Provider)+"): "+escape.Text(shortText(z.Error))+"\n")
		}
		d.list(items, "errors")
		d.must("\n")
	}
	d.reserve -= len(summary)
	d.must(summary)

	groups := groupChanges(p)
	if len(groups) > 0 {
		d.add("\n**Changes shared by several domains**\n\n")
		var items []string
		for _, g := range groups {
			items = append(items, g.render(o.Full))
		}
		d.list(items, "groups of changes")
	}

	var sections []section
	for _, z := range p.Zones {
		for _, dom := range z.Domains {
			if s, ok := domainSection(z, dom, o.Full); ok {
				sections = append(sections, s)
			}
		}
	}
	for _, s := range sections {
		switch {
		case d.add(s.table + s.details):
		case d.add(s.table):
			d.droppedDetails++
		default:
			d.droppedSections++
		}
	}

	var unmanaged []Unmanaged
	for _, z := range p.Zones {
		unmanaged = append(unmanaged, z.Unmanaged...)
	}
	if len(unmanaged) > 0 && d.add("\n<details><summary>Not managed, left as they are ("+strconv.Itoa(len(unmanaged))+")</summary>\n\n") {
		var items []string
		for _, u := range unmanaged {
			items = append(items, "- "+escape.Code(u.Name)+" "+escape.Text(u.Type)+": "+escape.Text(shortText(u.Why))+"\n")
		}
		d.list(items, "records")
		d.must("\n</details>\n")
	}
	if len(p.Rollouts) > 0 && d.add(fmt.Sprintf("\n**DMARC rollout (%d domain(s))**\n\n", len(p.Rollouts))) {
		var items []string
		for _, r := range p.Rollouts {
			mark := ""
			if r.Held != "" {
				mark = "**held** "
			}
			items = append(items, "- "+escape.Code(r.Domain)+": "+mark+escape.Text(shortText(RolloutLine(r)))+"\n")
		}
		d.list(items, "rollouts")
	}
	if groups := FlattenedIncludes(p); len(groups) > 0 && d.add("\n**SPF flattening** (resolved now; the next plan resolves again)\n\n") {
		var items []string
		for _, g := range groups {
			var ps []string
			for _, pfx := range g.Prefixes {
				ps = append(ps, pfx.String())
			}
			items = append(items, fmt.Sprintf("- %s: %d netblock(s) for %d domain(s): %s\n", escape.Code("include:"+g.Include), len(g.Prefixes), g.Domains, escape.Code(shortText(strings.Join(ps, " ")))))
		}
		d.list(items, "flattened includes")
	}
	var unlisted []string
	for _, z := range p.Zones {
		if z.Unlisted && z.Error == "" {
			unlisted = append(unlisted, escape.Code(z.Zone))
		}
	}
	if len(unlisted) > 0 {
		if len(unlisted) > 20 {
			unlisted = append(unlisted[:20], fmt.Sprintf("and %d more", len(unlisted)-20))
		}
		d.add("\n_Read name by name from their nameservers, so DKIM selectors the configuration does not declare are unknown: " + strings.Join(unlisted, ", ") + "._\n")
	}
	d.reserve -= len(dnsNote)
	d.must(dnsNote)
	if len(o.Warnings) > 0 && d.add(fmt.Sprintf("\n**Warnings (%d)**\n\n", len(o.Warnings))) {
		var items []string
		for _, warn := range o.Warnings {
			items = append(items, "- "+escape.Text(shortText(warn))+"\n")
		}
		d.list(items, "warnings")
	}
	var left []string
	if d.droppedSections > 0 {
		left = append(left, fmt.Sprintf("the sections of %d domain(s)", d.droppedSections))
	}
	if d.droppedDetails > 0 {
		left = append(left, fmt.Sprintf("the values of %d domain(s)", d.droppedDetails))
	}
	left = append(left, d.droppedLists...)
	if len(left) > 0 {
		d.must("\n_Left out to fit: " + strings.Join(left, ", ") + "; " + elsewhere + "._\n")
	}
	_, err := io.WriteString(w, escape.Neutralize(d.b.String(), MarkdownMarker))
	return err
}

// doc builds a markdown document under a size limit.
type doc struct {
	b                               strings.Builder
	limit, reserve                  int
	droppedSections, droppedDetails int
	droppedLists                    []string
}

// must adds s whatever the limit; it is used only for short fixed parts.
func (d *doc) must(s string) { d.b.WriteString(s) }

// add adds s if it fits, and reports whether it did.
func (d *doc) add(s string) bool {
	if d.limit > 0 && d.b.Len()+len(s)+d.reserve > d.limit {
		return false
	}
	d.b.WriteString(s)
	return true
}

// list adds items while they fit, then a line counting the rest.
func (d *doc) list(items []string, what string) {
	for i, it := range items {
		if !d.add(it) {
			n := len(items) - i
			d.must(fmt.Sprintf("- _and %d more %s_\n", n, what))
			d.droppedLists = append(d.droppedLists, fmt.Sprintf("%d %s", n, what))
			return
		}
	}
}

// shortText bounds a message shown inline.
func shortText(s string) string {
	if len(s) > 2*maxValue {
		return escape.Short(s)
	}
	return s
}

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
