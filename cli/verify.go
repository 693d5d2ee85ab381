package cli

import (
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/session"
)

// verify is `mailzone verify`: its flags, then session.Session.Verify.
func (r *run) verify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var o session.VerifyOptions
	fleetFlags(fs, &o.Fleet)
	verifyFlags(fs, &o.Verifying)
	fs.StringVar(&o.Format, "format", "text", "output format: text or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err == nil {
		err = oneOf(o.Format, "text", "json")
	}
	if err != nil {
		return r.usageError("verify", err)
	}
	return r.s.Verify(o)
}
