package cli

import (
	"flag"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/session"
)

// dkimReady is `mailzone dkim ready`: its flags, then session.Session.Ready.
func (r *run) dkimReady(args []string) int {
	fs := flag.NewFlagSet("dkim ready", flag.ContinueOnError)
	var o session.ReadyOptions
	fleetFlags(fs, &o.Fleet)
	verifyFlags(fs, &o.Verifying)
	fs.BoolVar(&o.Wait, "wait", false, "wait until the key is ready, or until --timeout")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "how long --wait waits")
	fs.StringVar(&o.Format, "format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 2 {
		err = fmt.Errorf("name a domain and a selector")
	}
	if err == nil {
		err = oneOf(o.Format, "text", "json")
	}
	if err != nil {
		return r.usageError("dkim ready", err)
	}
	o.Domain, o.Selector = pos[0], pos[1]
	return r.s.Ready(o)
}
