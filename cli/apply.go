package cli

import (
	"flag"

	"github.com/mailzone/mailzone/session"
)

// apply is `mailzone apply`: its flags, then session.Session.Apply.
func (r *run) apply(args []string) int {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	var o session.ApplyOptions
	fleetFlags(fs, &o.Fleet)
	readFlag(fs, &o.Fleet)
	fs.BoolVar(&o.Yes, "yes", false, "apply without asking")
	fs.BoolVar(&o.NoVerify, "no-verify", false, "do not check the authoritative nameservers after writing")
	verifyFlags(fs, &o.Verifying)
	fs.BoolVar(&o.Full, "full", false, "show long values (DKIM keys) whole")
	fs.BoolVar(&o.AllowMassChange, "allow-mass-change", false, "apply even when the plan updates or deletes more than defaults.safety.max_change_percent of the existing owned record sets")
	fs.StringVar(&o.Instructions, "instructions", "", "also write the instructions for zones changed by hand (manual providers) to this file, as markdown for a ticket or an email")
	fs.BoolVar(&o.NoWait, "no-wait", false, "print the instructions for zones changed by hand, and do not wait for them to be served")
	fs.StringVar(&o.Format, "format", "text", "output format: text or json (docs/json.md); json prints the document on stdout and everything else on stderr")
	pos, err := parse(fs, args)
	if err == nil {
		err = oneOf(o.Format, "text", "json")
	}
	if err != nil {
		return r.usageError("apply", err)
	}
	o.Plans = pos
	return r.s.Apply(o)
}
