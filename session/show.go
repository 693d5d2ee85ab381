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
	switch format {
	case "text":
		plan.Text(r.Env.Stdout, p, plan.TextOptions{Color: r.Env.Color(), Full: full})
	case "json":
		data, err := plan.JSON(p)
		if err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		r.Env.Stdout.Write(data)
	case "markdown":
		plan.Markdown(r.Env.Stdout, p, plan.MarkdownOptions{Full: full, Limit: commentLimit})
	default:
		return r.UsageError("show", fmt.Errorf("--format must be text, json or markdown, not %q", format))
	}
	return ExitOK
}
