package cli

import (
	"flag"
	"fmt"
)

// retire is `mailzone dkim retire`: its flags, then session.Session.Retire.
func (r *run) retire(args []string) int {
	fs := flag.NewFlagSet("dkim retire", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 2 {
		err = fmt.Errorf("name a domain and a selector")
	}
	if err != nil {
		return r.usageError("dkim retire", err)
	}
	return r.s.Retire(*f, *vf, pos[0], pos[1])
}
