package verify

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// State is the standing of one record on one nameserver address.
type State string

// The states of a cell.
const (
	// StatePending: no answer judged yet.
	StatePending State = ""
	// StateOK: the address answered with AA and exactly the expected owned values.
	StateOK State = "ok"
	// StateStale: the address answered with authority but other values.
	StateStale State = "stale"
	// StateError: no usable answer: timeout, REFUSED, SERVFAIL, NOTAUTH, no AA...
	StateError State = "error"
	// StateSkipped: an IPv6 address this machine has no route to; neither a pass
	// nor a failure.
	StateSkipped State = "skipped"
)

// Cell is the result for one record on one address.
type Cell struct {
	// State is the cell's standing after the last answer.
	State State
	// Served is what a stale address served, shortened ("v=spf1 ~all", "nothing").
	Served string
	// Err is why an error cell has no usable answer ("REFUSED", "timeout"), or
	// why a cell was skipped. A stale cell whose last query got no answer keeps
	// what was served before, and Err holds that query's failure.
	Err string
	// Converged is when the cell became ok, measured from the start of polling.
	Converged time.Duration
	// Checked is when the last answer was judged, from the start of polling.
	Checked time.Duration
}

// Row is one nameserver address and its cells, one per record, in the order of
// Result.Records.
type Row struct {
	// Nameserver is the NS name ("ns1.example.com.") or a configured address.
	Nameserver string
	// Addr is the address asked, ip:port; empty when the name has no address.
	Addr string
	// Cells hold one result per record, indexed like Result.Records.
	Cells []Cell
}

// Server names one nameserver address.
type Server struct {
	// Name is the NS name, absolute, or the address of a configured nameserver.
	Name string
	// Addr is the address asked, ip:port.
	Addr string
}

// String renders "ns2.example.com (127.0.0.3:53)".
func (s Server) String() string {
	name := strings.TrimSuffix(s.Name, ".")
	switch {
	case s.Addr == "":
		return name + " (no address)"
	case name == s.Addr:
		return s.Addr
	}
	return fmt.Sprintf("%s (%s)", name, s.Addr)
}

// Result is the outcome of [Verify].
type Result struct {
	// Zone is the zone checked, absolute.
	Zone string
	// Records are the records checked, the columns of the matrix.
	Records []Record
	// Rows are the nameserver addresses, in discovery order.
	Rows []Row
	// Verified is true when every cell that was not skipped is ok, and at least
	// one address was checked.
	Verified bool
	// Stale lists the addresses with a cell that is not ok (stale or error),
	// skipped addresses excepted.
	Stale []Server
	// Started is when polling started; Elapsed is how long it ran.
	Started time.Time
	Elapsed time.Duration
}

// finish computes Verified and Stale from the rows.
func (r *Result) finish() {
	r.Stale = nil
	checked := 0
	for _, row := range r.Rows {
		bad := false
		for _, c := range row.Cells {
			if c.State == StateSkipped {
				continue
			}
			checked++
			if c.State != StateOK {
				bad = true
			}
		}
		if bad {
			r.Stale = append(r.Stale, Server{row.Nameserver, row.Addr})
		}
	}
	r.Verified = len(r.Stale) == 0 && checked > 0
}

// Progress is the live state of a verification, for a progress display.
type Progress struct {
	// OK counts the cells (address × record) that are ok, of Total; Skipped
	// counts skipped cells, which are part of Total.
	OK, Skipped, Total int
	// Elapsed is the time since polling started.
	Elapsed time.Duration
	// Waiting are the addresses with cells not yet ok.
	Waiting []Server
}

// String renders "5/8 ok after 1.2s; waiting for ns2.example.com (127.0.0.2:53)":
// cells (address × record) ok of those not skipped.
func (p Progress) String() string {
	s := fmt.Sprintf("%d/%d ok after %s", p.OK, p.Total-p.Skipped, fmtDur(p.Elapsed))
	if p.Skipped > 0 {
		s += fmt.Sprintf(" (%d skipped)", p.Skipped)
	}
	if len(p.Waiting) > 0 {
		w := make([]string, len(p.Waiting))
		for i, x := range p.Waiting {
			w[i] = x.String()
		}
		s += "; waiting for " + strings.Join(w, ", ")
	}
	return s
}

func (r *Result) progress(elapsed time.Duration) Progress {
	p := Progress{Elapsed: elapsed}
	for _, row := range r.Rows {
		waiting := false
		for _, c := range row.Cells {
			p.Total++
			switch c.State {
			case StateOK:
				p.OK++
			case StateSkipped:
				p.Skipped++
			default:
				waiting = true
			}
		}
		if waiting {
			p.Waiting = append(p.Waiting, Server{row.Nameserver, row.Addr})
		}
	}
	return p
}

// fields returns the distinct record fields in first-seen order, with the
// indexes of the records of each.
func (r *Result) fields() ([]string, map[string][]int) {
	var names []string
	idx := map[string][]int{}
	for i, rec := range r.Records {
		f := rec.Field
		if f == "" {
			f = strings.ToLower(rec.Set.Type) + " " + strings.TrimSuffix(rec.Set.Name, ".")
		}
		if _, ok := idx[f]; !ok {
			names = append(names, f)
		}
		idx[f] = append(idx[f], i)
	}
	return names, idx
}

// merge folds the cells of one field's records into one: the worst state wins
// (error, stale, pending, ok, skipped), and ok takes the latest convergence.
func merge(cells []Cell) Cell {
	rank := map[State]int{StateSkipped: 0, StateOK: 1, StatePending: 2, StateStale: 3, StateError: 4}
	var out Cell
	first := true
	for _, c := range cells {
		if first || rank[c.State] > rank[out.State] {
			conv := max(out.Converged, c.Converged)
			out = c
			out.Converged = conv
			first = false
			continue
		}
		out.Converged = max(out.Converged, c.Converged)
		if c.State == StateStale && out.State == StateStale && c.Served != "nothing" && out.Served == "nothing" {
			out.Served = c.Served
		}
	}
	return out
}

func (c Cell) text() string {
	switch c.State {
	case StateOK:
		return "ok " + fmtDur(c.Converged)
	case StateStale:
		return "stale: served " + c.Served
	case StateError:
		return "error: " + c.Err
	case StateSkipped:
		return "skipped (" + c.Err + ")"
	}
	return "no answer yet"
}

// ServedOther reports whether some address answered with records other than
// the desired ones (as opposed to not answering usably at all).
func (r *Result) ServedOther() bool {
	for _, row := range r.Rows {
		for _, c := range row.Cells {
			if c.State == StateStale {
				return true
			}
		}
	}
	return false
}

// WriteMatrix writes the nameserver × record matrix, then one sentence per
// address that is not ok (or one saying all agree).
func (r *Result) WriteMatrix(w io.Writer) error {
	names, idx := r.fields()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "NAMESERVER\tADDRESS")
	for _, n := range names {
		fmt.Fprint(tw, "\t"+n)
	}
	fmt.Fprintln(tw)
	for _, row := range r.Rows {
		addr := row.Addr
		if addr == "" {
			addr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s", strings.TrimSuffix(row.Nameserver, "."), addr)
		for _, n := range names {
			fmt.Fprint(tw, "\t"+merge(pick(row.Cells, idx[n])).text())
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, r.Summary()+"\n")
	return err
}

// Matrix returns [Result.WriteMatrix]'s text.
func (r *Result) Matrix() string {
	var b strings.Builder
	_ = r.WriteMatrix(&b)
	return b.String()
}

func pick(cells []Cell, idx []int) []Cell {
	out := make([]Cell, 0, len(idx))
	for _, i := range idx {
		if i < len(cells) {
			out = append(out, cells[i])
		}
	}
	return out
}
