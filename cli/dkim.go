package cli

import (
	"fmt"

	"github.com/mailzone/mailzone/cmdline"
)

// dkimSubcommands are the dkim subcommands, in the order help lists them.
var dkimSubcommands = []string{"status", "ready", "rotate", "retire", "export"}

// dkim dispatches the dkim subcommands.
func (r *run) dkim(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fmt.Fprint(r.s.Env.Stdout, "Usage: mailzone dkim SUBCOMMAND [flags]\n\nSubcommands:\n")
			for _, sub := range dkimSubcommands {
				fmt.Fprintf(r.s.Env.Stdout, "  %-8s %s\n", sub, docs["dkim "+sub].About)
			}
			fmt.Fprint(r.s.Env.Stdout, "\nRun mailzone dkim SUBCOMMAND -h for its flags.\n")
			return ExitOK
		}
		return r.usageError("dkim", fmt.Errorf("name a subcommand: status, ready, rotate, retire or export"))
	}
	switch args[0] {
	case "rotate":
		return r.rotate(args[1:])
	case "status":
		return r.dkimStatus(args[1:])
	case "ready":
		return r.dkimReady(args[1:])
	case "retire":
		return r.retire(args[1:])
	case "export":
		return r.dkimExport(args[1:])
	}
	hint := ""
	if n := cmdline.Nearest(args[0], dkimSubcommands); n != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", n)
	}
	return r.usageError("dkim", fmt.Errorf("unknown subcommand %q%s; the subcommands are status, ready, rotate, retire and export", args[0], hint))
}
