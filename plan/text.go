package plan

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/rrset"
)

// TextOptions control the text renderer.
type TextOptions struct {
	// Color adds ANSI colors; the CLI sets it only on a terminal without NO_COLOR.
	Color bool
	// Full shows long values (DKIM keys) whole instead of shortened.
	Full bool
}

const (
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// Text renders the plan for a person, in the manner of Terraform: each zone with
// its changes per domain, one symbol per change (+ create, ~ update, - delete),
// the values before and after, and a summary line.
func Text(w io.Writer, p *Plan, o TextOptions) error {
	// Buffered: a plan of 10,000 zones is 20,000 small writes otherwise,
	// each a system call when w is the terminal or a pipe.
	bw := bufio.NewWriterSize(w, 64<<10)
	t := &textWriter{w: bw, o: o}
	t.excluded(p)
	for _, z := range p.Zones {
		t.zone(z)
	}
	t.rollouts(p)
	t.flattened(p)
	if n, _ := p.ReadThroughDNS(); n > 0 {
		t.printf("%s\n\n", t.paint(dim, fmt.Sprintf("%d zone(s) %s.", n, ReadDNSNote)))
	}
	c := p.Counts()
	if n := len(p.Errors()); n > 0 {
		t.printf("%s %d zone(s) could not be read; they are not planned.\n", t.paint(red, "Error:"), n)
	}
	switch {
	case c.Total() == 0 && len(p.Errors()) > 0:
		// Not "the zones match": some were never read.
		t.printf("%s\n", t.paint(bold, "No changes in the zones that were read."))
	case c.Total() == 0:
		t.printf("%s\n", t.paint(bold, "No changes. The zones match the configuration."))
	default:
		t.printf("%s %d to add, %d to change, %d to delete.\n", t.paint(bold, "Plan:"), c.Add, c.Change, c.Delete)
	}
	if err := bw.Flush(); t.err == nil {
		t.err = err
	}
	return t.err
}

// rollouts lists where each DMARC rollout stands, held ones in red.
func (t *textWriter) rollouts(p *Plan) {
	if len(p.Rollouts) == 0 {
		return
	}
	t.printf("%s\n", t.paint(bold, "DMARC rollout:"))
	width := 0
	for _, r := range p.Rollouts {
		width = max(width, len(escape.Terminal(r.Domain)))
	}
	for _, r := range p.Rollouts {
		line := RolloutLine(r)
		if r.Held != "" {
			line = t.paint(red, line)
		}
		t.printf("  %-*s  %s\n", width, escape.Terminal(r.Domain), escape.Terminal(line))
	}
	t.printf("\n")
}

// flattened lists each flattened include once, with the netblocks it
// authorizes now and how many domains publish them, then each domain's
// record size and lookups.
func (t *textWriter) flattened(p *Plan) {
	if len(p.Flattened) == 0 {
		return
	}
	t.printf("%s\n", t.paint(bold, "SPF flattening (resolved now; the next plan resolves again):"))
	for _, g := range FlattenedIncludes(p) {
		t.printf("  include:%s  %d netblock(s), published by %d domain(s)\n", escape.Terminal(g.Include), len(g.Prefixes), g.Domains)
		for i := 0; i < len(g.Prefixes); i += 4 {
			var parts []string
			for _, pfx := range g.Prefixes[i:min(i+4, len(g.Prefixes))] {
				parts = append(parts, pfx.String())
			}
			t.printf("    %s\n", strings.Join(parts, "  "))
		}
	}
	for _, f := range p.Flattened {
		chain := ""
		if len(f.Chain) > 0 {
			chain = fmt.Sprintf(", with %d chained _spf<N> record(s)", len(f.Chain))
		}
		t.printf("  %s: %d DNS lookup(s) of 10%s\n", escape.Terminal(f.Domain), f.Lookups, chain)
	}
	t.printf("\n")
}

// IncludeGroup is one flattened include across the plan's domains.
type IncludeGroup struct {
	Include  string
	Prefixes []netip.Prefix
	Domains  int
}

// FlattenedIncludes groups the plan's flattened includes: each once, with
// how many domains flatten it.
func FlattenedIncludes(p *Plan) []IncludeGroup {
	var out []IncludeGroup
	at := map[string]int{}
	for _, f := range p.Flattened {
		for _, s := range f.Sources {
			i, ok := at[s.Include]
			if !ok {
				i = len(out)
				at[s.Include] = i
				out = append(out, IncludeGroup{Include: s.Include, Prefixes: s.Prefixes})
			}
			out[i].Domains++
		}
	}
	return out
}

// RolloutLine says where one rollout stands, in a sentence.
func RolloutLine(r rollout.Status) string {
	now := "p=" + r.Policy
	if r.Testing {
		now += " t=y"
	}
	switch {
	case r.Held != "":
		return fmt.Sprintf("stage %d of %d, %s (its date, %s, has passed); next %s", r.Stage, r.Stages, r.Held, r.Until.Format("2006-01-02"), r.Next)
	case r.Stage == 0:
		return now + ": the rollout is complete"
	case r.Gated:
		return fmt.Sprintf("stage %d of %d, %s until %s, then %s if the DMARC evidence allows", r.Stage, r.Stages, now, r.Until.Format("2006-01-02"), r.Next)
	}
	return fmt.Sprintf("stage %d of %d, %s until %s, then %s", r.Stage, r.Stages, now, r.Until.Format("2006-01-02"), r.Next)
}

// TextExcluded renders only the domains the plan left out, as Text starts.
func TextExcluded(w io.Writer, p *Plan, color bool) error {
	t := &textWriter{w: w, o: TextOptions{Color: color}}
	t.excluded(p)
	return t.err
}

// excluded lists the domains left out of the plan, first, as errors: a
// partial plan must never pass for a whole one.
func (t *textWriter) excluded(p *Plan) {
	if len(p.Excluded) == 0 {
		return
	}
	t.printf("%s %d domain(s) were not planned; the checks that need DNS found errors:\n", t.paint(red, "Error:"), len(p.Excluded))
	for _, x := range p.Excluded {
		t.printf("  %s\n", escape.Terminal(x.Domain))
		for _, r := range x.Reasons {
			t.printf("    - %s\n", escape.Terminal(r))
		}
	}
	t.write("\n")
}

type textWriter struct {
	w   io.Writer
	o   TextOptions
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// write writes ss as they are: a zone without changes is a line of a
// 10,000-zone plan, and fmt is a third of writing it.
func (t *textWriter) write(ss ...string) {
	for _, s := range ss {
		if t.err == nil {
			_, t.err = io.WriteString(t.w, s)
		}
	}
}

func (t *textWriter) paint(color, s string) string {
	if !t.o.Color {
		return s
	}
	return color + s + reset
}

func (t *textWriter) zone(z *Zone) {
	head := "zone " + escape.Terminal(z.Zone) + " (provider " + escape.Terminal(z.Provider) + ")"
	if z.Error != "" {
		t.printf("%s: %s %s\n\n", t.paint(bold, head), t.paint(red, "error:"), escape.Terminal(z.Error))
		return
	}
	c := z.Counts()
	switch {
	case c.Total() == 0 && z.ReadVia == ReadDNS:
		t.write(t.paint(bold, head), ": no changes ", t.paint(dim, "(read from its nameservers)"), "\n")
	case c.Total() == 0:
		t.write(t.paint(bold, head), ": no changes\n")
	default:
		t.printf("%s: %d to add, %d to change, %d to delete\n", t.paint(bold, head), c.Add, c.Change, c.Delete)
	}
	for _, d := range z.Domains {
		first := true
		for _, ch := range z.Changes {
			if ch.Domain != d {
				continue
			}
			if first {
				t.printf("\n  %s\n", d)
				first = false
			}
			t.change(ch)
		}
	}
	if len(z.Unmanaged) > 0 {
		t.printf("\n  %s\n", t.paint(dim, "not managed, left as they are:"))
		for _, u := range z.Unmanaged {
			t.printf("    %s %s  %s\n", escape.Terminal(u.Name), escape.Terminal(u.Type), t.paint(dim, "("+escape.Terminal(u.Why)+")"))
		}
	}
	if z.Unlisted {
		t.printf("\n  %s\n", t.paint(dim, UnlistedNote))
	}
	t.printf("\n")
}

func (t *textWriter) change(ch Change) {
	sym, color := "~", yellow
	switch ch.Action {
	case rrset.Create:
		sym, color = "+", green
	case rrset.Delete:
		sym, color = "-", red
	}
	key := ch.Key()
	ttl := ""
	switch {
	case ch.Action == rrset.Update && ch.Old.TTL != ch.New.TTL:
		ttl = fmt.Sprintf("ttl %d → %d", ch.Old.TTL, ch.New.TTL)
	case ch.Action == rrset.Create:
		ttl = fmt.Sprintf("ttl %d", ch.New.TTL)
	}
	t.printf("  %s %s %s  %s", t.paint(color, sym), key.Type, escape.Terminal(key.Name), t.paint(dim, "# "+escape.Terminal(ch.Field)))
	if ttl != "" {
		t.printf("  %s", t.paint(dim, ttl))
	}
	t.printf("\n")
	in := func(vs []string, v string) bool {
		for _, x := range vs {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, v := range ch.Old.Values {
		if !in(ch.New.Values, v) {
			t.printf("      %s %s\n", t.paint(red, "-"), t.value(key.Type, v))
		}
	}
	for _, v := range ch.New.Values {
		if !in(ch.Old.Values, v) {
			t.printf("      %s %s\n", t.paint(green, "+"), t.value(key.Type, v))
		} else {
			t.printf("        %s\n", t.value(key.Type, v))
		}
	}
	for _, v := range ch.Keep.Values {
		t.printf("        %s %s\n", t.value(key.Type, v), t.paint(dim, "(not managed, kept)"))
	}
	if ch.SharedTTL {
		t.printf("      %s\n", t.paint(yellow, sharedTTLNote(ch)))
	}
}

// sharedTTLNote says that a TTL change reaches records mailzone does not own.
func sharedTTLNote(ch Change) string {
	return fmt.Sprintf("note: this provider holds one TTL per RRset, so the %d record(s) not managed here also change TTL %d → %d", len(ch.Keep.Values), ch.Keep.TTL, ch.New.TTL)
}

var dkimKey = regexp.MustCompile(`(p=)([A-Za-z0-9+/=]{48,})`)

// value renders one record value; TXT is quoted, and long DKIM keys are
// shortened to their ends and length unless Full is set.
func (t *textWriter) value(typ, v string) string {
	if typ != "TXT" {
		return v
	}
	if !t.o.Full {
		v = dkimKey.ReplaceAllStringFunc(v, func(m string) string {
			k := m[2:]
			return "p=" + k[:24] + "…" + k[len(k)-12:] + " (" + strconv.Itoa(len(k)) + " chars)"
		})
	}
	return strconv.Quote(v)
}

// Summary is the one-line summary: "N to add, N to change, N to delete".
func Summary(c Counts) string {
	return fmt.Sprintf("%d to add, %d to change, %d to delete", c.Add, c.Change, c.Delete)
}
