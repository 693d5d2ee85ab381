package cli

import (
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/session"
)

// importCmd is `mailzone import`: its flags, then session.Session.Import.
func (r *run) importCmd(args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var o session.ImportOptions
	fs.StringVar(&o.Config, "c", "", configHelp)
	fs.StringVar(&o.Config, "config", "", configHelp)
	fs.StringVar(&o.Provider, "provider", "", "the provider of the configuration that serves the zone")
	fs.StringVar(&o.Zone, "zone", "", "the zone holding the domains, when it is a parent zone (default: each domain is its zone)")
	fs.BoolVar(&o.Write, "write", false, "insert the imported domains into the configuration file (comments and layout kept; domains already in it are refused)")
	fs.StringVar(&o.Format, "format", "yaml", "output format: yaml (configuration to paste) or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err == nil && o.Provider == "" {
		err = fmt.Errorf("--provider is required: the name of a provider in the configuration")
	}
	if err == nil && len(pos) == 0 {
		err = fmt.Errorf("name at least one domain")
	}
	if err != nil {
		return r.usageError("import", err)
	}
	o.Domains = pos
	return r.s.Import(o)
}
