package cli

import (
	"flag"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/session"
)

// rotate is `mailzone dkim rotate`: its flags, then session.Session.Rotate.
func (r *run) rotate(args []string) int {
	fs := flag.NewFlagSet("dkim rotate", flag.ContinueOnError)
	var o session.RotateOptions
	keyFlags(fs, &o.Config, &o.Algorithm, &o.KeyDir)
	fs.StringVar(&o.Selector, "selector", "", "the new selector (required), such as "+keyfile.DefaultSelector(time.Now()))
	fs.BoolVar(&o.Due, "due", false, "add a new key to every domain whose newest key is older than its dkim_policy rotate_every")
	fs.Var((*multi)(&o.Domains), "d", "with --due: limit to this domain (repeatable)")
	pos, err := parse(fs, args)
	switch {
	case err != nil:
	case o.Due && (len(pos) > 0 || o.Selector != ""):
		err = fmt.Errorf("--due names selectors from each domain's dkim_policy; give domains with -d, and no --selector")
	case o.Due:
	case len(pos) != 1:
		err = fmt.Errorf("name one domain")
	case o.Selector == "":
		err = fmt.Errorf("--selector is required: the new selector, such as %s", keyfile.DefaultSelector(time.Now()))
	default:
		if verr := dkim.ValidSelector(o.Selector); verr != nil {
			err = fmt.Errorf("--selector: %v", verr)
		}
		o.Domain = pos[0]
	}
	if err != nil {
		return r.usageError("dkim rotate", err)
	}
	return r.s.Rotate(o)
}
