package cli

import (
	"flag"
	"fmt"
)

// lint is `mailzone lint`: its flags, then session.Session.Lint.
func (r *run) lint(args []string) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	config := fs.String("c", "", configHelp)
	fs.StringVar(config, "config", "", configHelp)
	offline := fs.Bool("offline", false, "only the checks that need no DNS")
	resolver := fs.String("resolver", "", "recursive resolver (host:port) for the checks that need DNS")
	var domains multi
	fs.Var(&domains, "d", "limit to this domain (repeatable)")
	fs.Var(&domains, "domain", "limit to this domain (repeatable)")
	format := fs.String("format", "text", "output format: text or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err == nil {
		err = oneOf(*format, "text", "json")
	}
	if err != nil {
		return r.usageError("lint", err)
	}
	return r.s.Lint(*config, domains, *offline, *resolver, *format)
}
