package cli

import (
	"flag"
	"fmt"
)

// dkimStatus is `mailzone dkim status`: its flags, then session.Session.Status.
func (r *run) dkimStatus(args []string) int {
	fs := flag.NewFlagSet("dkim status", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q; limit domains with -d", pos[0])
	}
	if err == nil {
		err = oneOf(*format, "text", "json")
	}
	if err != nil {
		return r.usageError("dkim status", err)
	}
	return r.s.Status(*f, *vf, *format)
}
