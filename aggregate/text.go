package aggregate

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mailzone/mailzone/escape"
)

// WriteText writes the summary for a terminal: one line per domain, the
// failing sources under it, then the files refused. Every name in it comes
// from report files, which anyone can send: each is escaped.
func (s *Summary) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "DOMAIN\tREPORTS\tMESSAGES\tDMARC PASS\tSPF ALIGNED\tDKIM ALIGNED\t")
	for _, d := range s.Domains {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", escape.Terminal(d.Domain), d.Reports, Count(d.Messages), Percent(d.PassRate), Percent(d.SPFRate), Percent(d.DKIMRate))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, d := range s.Domains {
		if len(d.Failing) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: sources failing DMARC (neither aligned SPF nor aligned DKIM)\n", escape.Terminal(d.Domain))
		for _, src := range d.Failing {
			fmt.Fprintf(w, "  %-39s %10s  seen by %s\n", src.IP, Count(src.Messages), escape.Terminal(strings.Join(src.Reporters, ", ")))
		}
		if d.FailingOther > 0 {
			fmt.Fprintf(w, "  %-39s %10s\n", "(more sources than tracked)", Count(d.FailingOther))
		}
	}
	fmt.Fprintf(w, "\n%d file(s), %d report(s) counted, %d duplicate(s) counted once", s.Files, s.Reports, s.Duplicates)
	if s.Older > 0 {
		fmt.Fprintf(w, ", %d older than %s left out", s.Older, s.Since.Format("2006-01-02"))
	}
	fmt.Fprintf(w, ", %d file(s) refused.\n", len(s.Refused))
	for _, r := range s.Refused {
		fmt.Fprintf(w, "  refused %s: %s\n", escape.Terminal(r.File), escape.Terminal(r.Error))
	}
	_, err := fmt.Fprint(w)
	return err
}
