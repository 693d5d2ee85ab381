package cli

import (
	"flag"
	"fmt"
)

// report is `mailzone report`: its flags, then session.Session.Report.
func (r *run) report(args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	htmlOut := fs.String("html", "", "write the overview to this file as one self-contained HTML page")
	format := fs.String("format", "", "json: print the overview's data as JSON on stdout")
	pos, err := parse(fs, args)
	switch {
	case err != nil:
	case len(pos) > 0:
		err = fmt.Errorf("unexpected argument %q", pos[0])
	case *format != "" && *format != "json":
		err = oneOf(*format, "json")
	case *htmlOut == "" && *format == "":
		err = fmt.Errorf("give --html FILE, --format json, or both")
	}
	if err != nil {
		return r.usageError("report", err)
	}
	return r.s.Report(*f, *vf, *htmlOut, *format)
}
