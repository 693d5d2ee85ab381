package apply

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
)

// WriteResult says what one zone's apply wrote: one line to out when every
// change was written, else to errOut where it stopped and each change
// written and not written.
func WriteResult(out, errOut io.Writer, res Result) {
	z := res.Zone
	if res.Err == nil {
		fmt.Fprintf(out, "zone %s: %d change(s) written\n", z.Zone, len(res.Written))
		return
	}
	fmt.Fprintf(errOut, "zone %s: stopped after %d of %d change(s): %v\n", z.Zone, len(res.Written), len(res.Written)+len(res.NotWritten), res.Err)
	for _, c := range res.Written {
		fmt.Fprintf(errOut, "  written:     %s\n", describe(c))
	}
	for _, c := range res.NotWritten {
		fmt.Fprintf(errOut, "  not written: %s\n", describe(c))
	}
}

func describe(c plan.Change) string {
	sym := map[rrset.Kind]string{rrset.Create: "+", rrset.Update: "~", rrset.Delete: "-"}[c.Action]
	k := c.Key()
	return fmt.Sprintf("%s %s %s (%s)", sym, k.Type, k.Name, c.Field)
}

// WriteInterrupted says how an apply stopped by a signal left the fleet:
// how many zones were written whole, how many stopped with an error (said
// zone by zone by WriteResult), and which were never started, which a new
// plan shows as still to do. Results of zones not started have no Zone;
// notStarted names them.
func WriteInterrupted(w io.Writer, results []Result, notStarted []string) {
	written, partial := 0, 0
	for _, res := range results {
		switch {
		case res.Zone == nil:
		case res.Err == nil:
			written++
		default:
			partial++
		}
	}
	fmt.Fprintf(w, "\nInterrupted: %d zone(s) written, %d stopped with an error (listed above), %d not started.\n", written, partial, len(notStarted))
	if len(notStarted) > 0 {
		shown := notStarted
		if len(shown) > 20 {
			shown = shown[:20]
		}
		more := ""
		if len(notStarted) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(notStarted)-len(shown))
		}
		fmt.Fprintf(w, "Not started: %s%s.\n", strings.Join(shown, ", "), more)
	}
	fmt.Fprintln(w, "Run mailzone plan to see exactly what is left.")
}
