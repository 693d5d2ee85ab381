package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/rrset"
)

// MarkdownMarker is the hidden first line of every markdown plan. A workflow
// finds the pull request comment that starts with it and updates that comment in
// place, instead of adding a new one on every push.
const MarkdownMarker = "<!-- mailzone-plan -->"

// MarkdownOptions control the markdown renderer.
type MarkdownOptions struct {
	// Title is the heading; default "mailzone plan".
	Title string
	// Warnings are findings to show below the plan (configuration and lint
	// warnings), one line each.
	Warnings []string
	// Full shows long values (DKIM keys) whole instead of shortened.
	Full bool
	// Limit, when positive, is the size in bytes the document should stay under
	// (a GitHub comment holds 65536 characters). Collapsed details are left out,
	// last domain first, until it fits.
	Limit int
}

// Markdown renders the plan as a compact pull request comment or job summary:
// the hidden [MarkdownMarker], the summary line, zones that could not be read,
// then one section per domain with changes (a table of the changes and the
// values before and after collapsed in a diff block), records left unmanaged,
// and the warnings.
func Markdown(w io.Writer, p *Plan, o MarkdownOptions) error {
	title := o.Title
	if title == "" {
		title = "mailzone plan"
	}
	var head strings.Builder
	fmt.Fprintf(&head, "%s\n### %s\n\n", MarkdownMarker, title)
	c := p.Counts()
	if c.Total() == 0 {
		head.WriteString("**No changes.** The zones match the configuration.\n")
	} else {
		fmt.Fprintf(&head, "**Plan:** %s.\n", Summary(c))
	}
	if errs := p.Errors(); len(errs) > 0 {
		fmt.Fprintf(&head, "\n**Error:** %d zone(s) could not be read; they are not planned.\n\n", len(errs))
		for _, z := range errs {
			fmt.Fprintf(&head, "- %s (provider %s): %s\n", code(z.Zone), code(z.Provider), plainText(z.Error))
		}
	}

	var sections []section
	for _, z := range p.Zones {
		for _, d := range z.Domains {
			if s, ok := domainSection(z, d, o.Full); ok {
				sections = append(sections, s)
			}
		}
	}

	var tail strings.Builder
	var unmanaged []Unmanaged
	for _, z := range p.Zones {
		unmanaged = append(unmanaged, z.Unmanaged...)
	}
	if len(unmanaged) > 0 {
		tail.WriteString("\n<details><summary>Not managed, left as they are (" + strconv.Itoa(len(unmanaged)) + ")</summary>\n\n")
		for _, u := range unmanaged {
			fmt.Fprintf(&tail, "- %s %s: %s\n", code(u.Name), u.Type, plainText(u.Why))
		}
		tail.WriteString("\n</details>\n")
	}
	if len(o.Warnings) > 0 {
		fmt.Fprintf(&tail, "\n**Warnings (%d)**\n\n", len(o.Warnings))
		for _, warn := range o.Warnings {
			fmt.Fprintf(&tail, "- %s\n", plainText(warn))
		}
	}

	// Drop collapsed details from the end until the document fits.
	size := func() int {
		n := head.Len() + tail.Len()
		for _, s := range sections {
			n += len(s.table) + len(s.details)
		}
		return n
	}
	dropped := 0
	for i := len(sections) - 1; o.Limit > 0 && i >= 0 && size() > o.Limit; i-- {
		if sections[i].details != "" {
			sections[i].details = ""
			dropped++
		}
	}

	var b strings.Builder
	b.WriteString(head.String())
	for _, s := range sections {
		b.WriteString(s.table)
		b.WriteString(s.details)
	}
	if dropped > 0 {
		fmt.Fprintf(&b, "\n_The values of %d domain(s) are left out to keep this short; the job log has the full plan._\n", dropped)
	}
	b.WriteString(tail.String())
	_, err := io.WriteString(w, b.String())
	return err
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
	fmt.Fprintf(&t, "\n#### %s\n\n", escapeMarkdown(domain))
	if z.Zone != domain {
		fmt.Fprintf(&t, "In zone %s (provider %s): %s.\n\n", code(z.Zone), code(z.Provider), Summary(c))
	} else {
		fmt.Fprintf(&t, "Provider %s: %s.\n\n", code(z.Provider), Summary(c))
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
		fmt.Fprintf(&t, "| %s | %s | %s | %s | %s |\n", symbols[ch.Action], code(key.Name), key.Type, code(ch.Field), ttl)
	}

	var lines []string
	for i, ch := range changes {
		if i > 0 {
			lines = append(lines, "")
		}
		key := ch.Key()
		lines = append(lines, fmt.Sprintf("%s %s %s  # %s", symbols[ch.Action], key.Type, key.Name, ch.Field))
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
	}
	body := strings.Join(lines, "\n")
	fence := fenceFor(body)
	details := "\n<details><summary>Values before and after</summary>\n\n" + fence + "diff\n" + body + "\n" + fence + "\n\n</details>\n"
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

// displayValue renders a record value as the text plan does: TXT quoted, long
// DKIM keys shortened unless full.
func displayValue(typ, v string, full bool) string {
	if typ != "TXT" {
		return v
	}
	if !full {
		v = dkimKey.ReplaceAllStringFunc(v, func(m string) string {
			k := m[2:]
			return "p=" + k[:24] + "…" + k[len(k)-12:] + " (" + strconv.Itoa(len(k)) + " chars)"
		})
	}
	return strconv.Quote(v)
}

// fenceFor returns a code fence longer than any run of backticks in body.
func fenceFor(body string) string {
	longest, run := 0, 0
	for _, r := range body {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// code renders s as inline code, safe inside a table cell.
func code(s string) string {
	s = strings.ReplaceAll(oneLine(s), "|", `\|`)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// plainText folds a message onto one line and escapes what would open HTML.
func plainText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(oneLine(s))
}

// escapeMarkdown escapes the characters that would format a domain name.
func escapeMarkdown(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", "|", `\|`).Replace(s)
}
