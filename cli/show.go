package cli

import (
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/plan"
)

// show is `mailzone show PLANFILE`: a saved plan rendered as text, JSON or
// markdown, without reading any zone or the configuration.
func (r *run) show(args []string) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	format := fs.String("format", "text", "output format: text, json, markdown")
	full := fs.Bool("full", false, "show long values (DKIM keys) whole")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("show", err)
	}
	if len(pos) != 1 {
		return r.usageError("show", fmt.Errorf("name one saved plan file (plan -out FILE)"))
	}
	p, err := plan.Read(pos[0])
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	switch *format {
	case "text":
		plan.Text(r.env.Stdout, p, plan.TextOptions{Color: r.env.color(), Full: *full})
	case "json":
		data, err := plan.JSON(p)
		if err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		r.env.Stdout.Write(data)
	case "markdown":
		plan.Markdown(r.env.Stdout, p, plan.MarkdownOptions{Full: *full, Limit: commentLimit})
	default:
		return r.usageError("show", fmt.Errorf("--format must be text, json or markdown, not %q", *format))
	}
	return ExitOK
}
