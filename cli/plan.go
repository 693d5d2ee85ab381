package cli

import (
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/session"
)

// plan is `mailzone plan`: its flags, then session.Session.Plan.
func (r *run) plan(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var o session.PlanOptions
	fleetFlags(fs, &o.Fleet)
	readFlag(fs, &o.Fleet)
	fs.StringVar(&o.Out, "out", "", "save the plan to this file for apply")
	fs.StringVar(&o.Format, "format", "text", "output format: text, json, markdown")
	fs.BoolVar(&o.Detailed, "detailed-exitcode", false, "exit 2 when changes are pending")
	fs.BoolVar(&o.Full, "full", false, "show long values (DKIM keys) whole")
	fs.StringVar(&o.Markdown, "markdown", "", "also write the plan as a pull-request comment (markdown, under GitHub's size limit) to this file")
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err == nil {
		err = oneOf(o.Format, "text", "json", "markdown")
	}
	if err != nil {
		return r.usageError("plan", err)
	}
	return r.s.Plan(o)
}
