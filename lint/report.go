package lint

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailzone/mailzone/schema"
)

// Severity says what a finding means for the domain.
type Severity int

// Severities. An Error means mail breaks or the check could not be made; plan
// refuses the domain. A Warning is a risk worth fixing. Info is context,
// such as the SPF include tree.
const (
	Error Severity = iota
	Warning
	Info
)

// String returns "error", "warning" or "note".
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Info:
		return "note"
	}
	return "error"
}

// Finding is one result of the online checks, tied to the configuration
// field it concerns.
type Finding struct {
	// Domain is the domain checked.
	Domain string `json:"domain"`
	// Field is the configuration field, relative to the domain: "mx", "spf",
	// "dmarc", "dkim.<selector>".
	Field string `json:"field"`
	// Pos is where the field is written (the domain's key when the field is
	// implied, as for a parked domain).
	Pos      schema.Pos `json:"pos"`
	Severity Severity   `json:"severity"`
	// Code names the rule ("spf-lookup-limit", "mx-cname", ...), stable
	// across releases, for machines and for tests.
	Code string `json:"code"`
	Msg  string `json:"message"`
	// Tree is the rendered SPF include tree, for spf-tree findings.
	Tree string `json:"tree,omitempty"`
}

// String renders "file:line:col: severity: field: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", f.Pos, f.Severity, f.Field, f.Msg)
}

// Count returns how many findings are errors and how many are warnings.
func Count(fs []Finding) (errors, warnings int) {
	for _, f := range fs {
		switch f.Severity {
		case Error:
			errors++
		case Warning:
			warnings++
		}
	}
	return errors, warnings
}

// ErrorDomains returns the domains that have at least one Error finding:
// the domains plan must refuse.
func ErrorDomains(fs []Finding) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		if f.Severity == Error {
			out[f.Domain] = true
		}
	}
	return out
}

// Text writes findings grouped by domain, in the order given, each as
// "file:line:col: severity: field: message" with any SPF tree indented under
// it, and closes with the count of errors and warnings.
func Text(w io.Writer, fs []Finding) error {
	var b strings.Builder
	domain := ""
	for i, f := range fs {
		if i == 0 || f.Domain != domain {
			if i > 0 {
				b.WriteByte('\n')
			}
			domain = f.Domain
			b.WriteString(domain)
			b.WriteByte('\n')
		}
		b.WriteString("  ")
		b.WriteString(f.String())
		b.WriteByte('\n')
		if f.Tree != "" {
			for _, l := range strings.Split(strings.TrimRight(f.Tree, "\n"), "\n") {
				b.WriteString("      ")
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	errs, warns := Count(fs)
	if len(fs) > 0 {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
