package dkim

import "fmt"

// Severity of a Problem.
type Severity int

// Severities: an Error stops mailzone; a Warning is reported and publishing goes on.
const (
	Error Severity = iota
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Problem is one finding about a record. Term is the offending tag as
// written ("name=value"), or "" when the finding is about the whole record.
type Problem struct {
	Severity Severity
	Term     string
	Msg      string
}

// Error returns Msg, prefixed with `term "x": ` when Term is set.
func (p Problem) Error() string {
	if p.Term == "" {
		return p.Msg
	}
	return fmt.Sprintf("term %q: %s", p.Term, p.Msg)
}
