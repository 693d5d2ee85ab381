package session

import (
	"fmt"

	"github.com/mailzone/mailzone/plan"
)

// Show is `mailzone show PLANFILE`: a saved plan rendered as text, JSON or
// markdown, without reading any zone or the configuration.
func (r *Session) Show(path, format string, full bool) int {
	p, err := plan.Read(path)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if format != "text" && format != "json" && format != "markdown" {
		return r.UsageError("show", fmt.Errorf("--format must be text, json or markdown, not %q", format))
	}
	if !r.render(p, format, full, nil) {
		return ExitError
	}
	return ExitOK
}
