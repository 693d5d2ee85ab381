package fleet

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailzone/mailzone/verify"
)

// Tally is how the verification of a fleet ended, zone by zone.
type Tally struct {
	// Verified are the zones every nameserver serves as configured.
	Verified []string
	// Stale are the zones some nameserver serves other records for.
	Stale []string
	// Failed are the zones that could not be checked (or not fully).
	Failed []string
	// Errors say why, for the zones whose check could not run.
	Errors []error
}

// AllVerified reports whether every zone verified.
func (t Tally) AllVerified() bool { return len(t.Stale) == 0 && len(t.Failed) == 0 }

// WriteVerified writes the matrix of every zone that did not verify (of
// every zone with all), each with its delegation report, and tallies the
// outcomes in check order. After an interruption (stopped), a zone whose
// wait was cut short is judged on what was seen, not as an error.
func WriteVerified(w io.Writer, checks []Check, outs []Verified, all, stopped bool) Tally {
	var t Tally
	for i, c := range checks {
		res, err := outs[i].Result, outs[i].Err
		if err != nil && res != nil && stopped {
			err = nil // interrupted: the matrix says what was seen
		}
		if err != nil {
			t.Errors = append(t.Errors, fmt.Errorf("verify zone %s: %w", c.Zone, err))
			t.Failed = append(t.Failed, c.Zone)
			if res == nil {
				continue
			}
		}
		var b bytes.Buffer
		if !res.Verified || all {
			fmt.Fprintf(&b, "\nverify zone %s:\n", c.Zone)
			res.WriteMatrix(&b) // ends with the zone's summary
		}
		if outs[i].Delegation != nil && (all || !res.Verified) {
			fmt.Fprintf(&b, "delegation: %s\n", outs[i].Delegation)
		}
		w.Write(b.Bytes())
		switch {
		case err != nil:
		case res.Verified:
			t.Verified = append(t.Verified, c.Zone)
		case res.ServedOther():
			t.Stale = append(t.Stale, c.Zone)
		default:
			t.Failed = append(t.Failed, c.Zone)
		}
	}
	return t
}

// WriteSummary writes the one line that ends a fleet's verification: how
// many zones verified, were stale, or could not be checked, and which.
func (t Tally) WriteSummary(w io.Writer, zones int) {
	fmt.Fprintf(w, "\nverify: %d zone(s): %d verified, %d stale (a nameserver serves other records)%s, %d unreachable or not checked%s.\n",
		zones, len(t.Verified), len(t.Stale), listed(t.Stale), len(t.Failed), listed(t.Failed))
}

// listed names up to 10 zones, in parentheses.
func listed(zones []string) string {
	if len(zones) == 0 {
		return ""
	}
	if len(zones) > 10 {
		return fmt.Sprintf(" (%s and %d more)", strings.Join(zones[:10], ", "), len(zones)-10)
	}
	return " (" + strings.Join(zones, ", ") + ")"
}

// Docs are the zones' verifications in the documented JSON shape, judged
// as WriteVerified judges them.
func Docs(checks []Check, outs []Verified, stopped bool) []verify.ZoneDoc {
	docs := make([]verify.ZoneDoc, len(checks))
	for i, c := range checks {
		res, err := outs[i].Result, outs[i].Err
		if err != nil && res != nil && stopped {
			err = nil
		}
		var del fmt.Stringer
		if outs[i].Delegation != nil && res != nil {
			del = outs[i].Delegation
		}
		docs[i] = verify.Doc(c.Zone, res, err, del)
	}
	return docs
}

// Elapsed is how long a run with this deadline and timeout has waited.
func Elapsed(deadline time.Time, timeout time.Duration) time.Duration {
	return time.Since(deadline.Add(-timeout)).Round(100 * time.Millisecond)
}
