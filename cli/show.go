package cli

import (
	"flag"
	"fmt"
)

// show is `mailzone show`: its flags, then session.Session.Show.
func (r *run) show(args []string) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	format := fs.String("format", "text", "output format: text, json, markdown")
	full := fs.Bool("full", false, "show long values (DKIM keys) whole")
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("name one saved plan file (plan -out FILE)")
	}
	if err != nil {
		return r.usageError("show", err)
	}
	return r.s.Show(pos[0], *format, *full)
}
