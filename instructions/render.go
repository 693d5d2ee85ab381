package instructions

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/plan"
)

// Preamble says how to read the steps; both forms print it once.
const Preamble = `Make these changes at the zone's DNS host, in the order given. "Host" is the name relative to the zone, as most DNS hosts' forms ask for it ("@" is the zone itself); the full name follows. Names inside values end with a dot: leave the dot off where the form refuses it. Records not listed here are not mailzone's and stay as they are.`

// markdownPreamble is Preamble for a markdown renderer.
const markdownPreamble = "Make these changes at the zone's DNS host, in the order given. *Host* is the name relative to the zone, as most DNS hosts' forms ask for it (`@` is the zone itself); the full name follows. Names inside values end with a dot: leave the dot off where the form refuses it. Records not listed here are not mailzone's and stay as they are."

// Text writes the steps of each zone for a terminal or a plain-text email.
// Values are whole, never shortened: the admin copies them.
func Text(w io.Writer, zones []*plan.Zone) error {
	tw := &errWriter{w: w}
	tw.printf("%s\n", Preamble)
	for _, z := range zones {
		steps := Steps(z)
		if len(steps) == 0 {
			continue
		}
		tw.printf("\nZone %s (provider %s): %d record(s) to change by hand\n", escape.Terminal(z.Zone), escape.Terminal(z.Provider), len(steps))
		hostW, nameW := 0, 0
		for _, s := range steps {
			hostW = max(hostW, len(escape.Terminal(s.Host)))
			nameW = max(nameW, len(escape.Terminal(s.Name))+2)
		}
		for i, s := range steps {
			lead := fmt.Sprintf("  %2d. %-6s  %-5s  %-*s  %-*s  TTL %-10s", i+1, s.Action, s.Type,
				hostW, escape.Terminal(s.Host), nameW, "("+escape.Terminal(s.Name)+")", ttlText(s))
			tw.printf("%s  %s\n", lead, escape.Terminal(s.Value))
			if s.Action == Change && s.From != s.Value {
				// The old value on its own line, under the new one: values
				// hold spaces, so "from A to B" on one line could be misread.
				tw.printf("%*s  %s\n", utf8.RuneCountInString(lead), "replacing", escape.Terminal(s.From))
			}
			if s.OthersTTL > 0 {
				tw.printf("      also set TTL %d on the %d other %s record(s) at %s: DNS keeps one TTL per name and type\n", s.TTL, s.OthersTTL, s.Type, escape.Terminal(s.Host))
			}
		}
		for i, s := range steps {
			if !s.Long() {
				continue
			}
			parts := s.Strings()
			tw.printf("\n  Record %d (%s) is %d characters long; one DNS text string holds %d. Paste it whole where the form takes it. Where the form asks for quoted strings, enter these %d, in this order, on one line:\n",
				i+1, escape.Terminal(s.Host), len(s.Value), MaxString, len(parts))
			for _, p := range parts {
				tw.printf("    %s\n", escape.Terminal(p))
			}
		}
	}
	return tw.err
}

// Markdown writes the steps as a ticket or email body: a table per zone,
// every value in a code span no value can close, long values again below
// as the strings to enter.
func Markdown(w io.Writer, zones []*plan.Zone) error {
	mw := &errWriter{w: w}
	mw.printf("## DNS changes to make by hand\n\n%s\n", markdownPreamble)
	for _, z := range zones {
		steps := Steps(z)
		if len(steps) == 0 {
			continue
		}
		mw.printf("\n### Zone %s (provider %s)\n\n", escape.Code(z.Zone), escape.Code(z.Provider))
		mw.printf("| # | Action | Type | Host | Full name | TTL | Value |\n|---|---|---|---|---|---|---|\n")
		for i, s := range steps {
			mw.printf("| %d | %s | %s | %s | %s | %s | %s |\n", i+1, s.Action, s.Type, escape.Code(s.Host), escape.Code(s.Name), ttlText(s), valueText(s, escape.Code))
		}
		for i, s := range steps {
			if s.OthersTTL > 0 {
				mw.printf("\nWith record %d, also set TTL %d on the %d other %s record(s) at %s: DNS keeps one TTL per name and type.\n", i+1, s.TTL, s.OthersTTL, s.Type, escape.Code(s.Host))
			}
		}
		for i, s := range steps {
			if !s.Long() {
				continue
			}
			parts := s.Strings()
			mw.printf("\nRecord %d (%s) is %d characters long; one DNS text string holds %d. Paste it whole where the form takes it. Where the form asks for quoted strings, enter these %d, in this order, on one line:\n\n%s",
				i+1, escape.Code(s.Host), len(s.Value), MaxString, len(parts), escape.Block("", strings.Join(parts, "\n")+"\n"))
		}
	}
	return mw.err
}

// ttlText is the TTL column: the TTL, or old → new for a TTL-only change.
func ttlText(s Step) string {
	if s.Action == Change && s.From == s.Value && s.FromTTL != s.TTL {
		return strconv.FormatUint(uint64(s.FromTTL), 10) + "→" + strconv.FormatUint(uint64(s.TTL), 10)
	}
	return strconv.FormatUint(uint64(s.TTL), 10)
}

// valueText is the value column, each value quoted for the sink by q.
func valueText(s Step, q func(string) string) string {
	if s.Action == Change && s.From != s.Value {
		return "from " + q(s.From) + " to " + q(s.Value)
	}
	return q(s.Value)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
