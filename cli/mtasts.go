package cli

import (
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/session"
)

// mtasts is `mailzone mta-sts export DIR`.
func (r *run) mtasts(args []string) int {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintf(r.s.Env.Stdout, "Usage: mailzone mta-sts SUBCOMMAND [flags]\n\nSubcommands:\n  %-8s %s\n\nRun mailzone mta-sts SUBCOMMAND -h for its flags.\n", "export", docs["mta-sts export"].About)
			return ExitOK
		}
		return r.usageError("mta-sts", fmt.Errorf("name a subcommand: export"))
	}
	fs := flag.NewFlagSet("mta-sts export", flag.ContinueOnError)
	var f session.Fleet
	fleetFlags(fs, &f)
	pos, err := parse(fs, args[1:])
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("name the directory to write the policy files into")
	}
	if err != nil {
		return r.usageError("mta-sts export", err)
	}
	return r.s.MTASTSExport(f, pos[0])
}
