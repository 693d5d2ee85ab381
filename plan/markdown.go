package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/escape"
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
