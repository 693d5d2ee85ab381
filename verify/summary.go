package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Summary says in sentences whether every nameserver agrees, and otherwise which
// address still serves what: "ns2.example.com (127.0.0.3:53) still serves the
// old SPF after 30s."
func (r *Result) Summary() string {
	var lines []string
	skipped := 0
	for _, row := range r.Rows {
		if s := r.rowSentence(row); s != "" {
			lines = append(lines, s)
		}
		for _, c := range row.Cells {
			if c.State == StateSkipped {
				skipped++
				break
			}
		}
	}
	if r.Verified {
		var last time.Duration
		n := 0
		for _, row := range r.Rows {
			for _, c := range row.Cells {
				last = max(last, c.Converged)
			}
			if len(row.Cells) > 0 && row.Cells[0].State != StateSkipped {
				n++
			}
		}
		lines = append([]string{fmt.Sprintf("Verified: all %d nameserver addresses serve every record of %s (converged after %s).",
			n, strings.TrimSuffix(r.Zone, "."), fmtDur(last))}, lines...)
	} else if len(r.Rows) > 0 && len(r.Stale) == 0 {
		lines = append(lines, "Not verified: no nameserver address could be checked.")
	}
	if skipped > 0 {
		lines = append(lines, fmt.Sprintf("%d IPv6 address(es) skipped: this machine has no IPv6 route.", skipped))
	}
	return strings.Join(lines, "\n")
}

// rowSentence describes what is wrong on one address, or "".
func (r *Result) rowSentence(row Row) string {
	names, idx := r.fields()
	var old, deleted, missing []string
	errs := map[string][]string{}
	var errOrder []string
	for _, n := range names {
		for _, i := range idx[n] {
			if i >= len(row.Cells) {
				continue
			}
			c, rec := row.Cells[i], r.Records[i]
			switch c.State {
			case StateStale:
				switch {
				case rec.Set.Empty():
					deleted = appendOnce(deleted, label(n))
				case strings.HasPrefix(c.Served, "nothing"):
					missing = appendOnce(missing, label(n))
				default:
					old = appendOnce(old, label(n))
				}
			case StateError, StatePending:
				e := c.Err
				if e == "" {
					e = "no answer yet"
				}
				if _, ok := errs[e]; !ok {
					errOrder = append(errOrder, e)
				}
				errs[e] = appendOnce(errs[e], n)
			}
		}
	}
	var parts, served []string
	if len(old) > 0 {
		served = append(served, "the old "+and(old))
	}
	if len(deleted) > 0 {
		served = append(served, "the deleted "+and(deleted))
	}
	if len(served) > 0 {
		parts = append(parts, "still serves "+and(served))
	}
	if len(missing) > 0 {
		parts = append(parts, "does not serve the new "+and(missing)+" yet")
	}
	for _, e := range errOrder {
		parts = append(parts, fmt.Sprintf("fails with %s (%s)", e, strings.Join(errs[e], ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s %s after %s.", Server{row.Nameserver, row.Addr}, and(parts), fmtDur(r.Elapsed))
}

// label names a field in a sentence: "SPF", "DKIM key s1".
func label(field string) string {
	if sel, ok := strings.CutPrefix(field, "dkim."); ok {
		return "DKIM key " + sel
	}
	switch field {
	case "mx", "spf", "dmarc", "bimi":
		return strings.ToUpper(field)
	case "mta_sts":
		return "MTA-STS policy record"
	case "tls_rpt":
		return "TLS-RPT record"
	}
	return field
}

func and(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// fmtDur renders a duration for people: "1.2s", "30s", "2m5s".
func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Second).String()
}
