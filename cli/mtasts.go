package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailzone/mailzone/configedit"
)

// mtastsCmd is `mailzone mta-sts export DIR`: the policy file of every
// domain with MTA-STS, laid out for any static HTTPS host.
func (r *run) mtastsCmd(args []string) int {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintf(r.env.Stdout, "Usage: mailzone mta-sts SUBCOMMAND [flags]\n\nSubcommands:\n  %-8s %s\n\nRun mailzone mta-sts SUBCOMMAND -h for its flags.\n", "export", docs["mta-sts export"].About)
			return ExitOK
		}
		return r.usageError("mta-sts", fmt.Errorf("name a subcommand: export"))
	}
	fs := flag.NewFlagSet("mta-sts export", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return r.usageError("mta-sts export", err)
	}
	if len(pos) != 1 {
		return r.usageError("mta-sts export", fmt.Errorf("name the directory to write the policy files into"))
	}
	_, ds, ok := r.selectDomains(f.config, f.domains)
	if !ok {
		return ExitError
	}
	n := 0
	for _, d := range ds {
		sts := d.MTASTSPolicy
		if sts == nil || d.MTASTS == nil || d.MTASTS.Absent {
			continue
		}
		path := filepath.Join(pos[0], d.Name, ".well-known", "mta-sts.txt")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if err := configedit.WriteAtomic(path, []byte(sts.Policy.Text())); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		fmt.Fprintf(r.env.Stdout, "%s: mode %s, mx %s, max_age %d, id %s\n", d.Name, sts.Policy.Mode, strings.Join(sts.Policy.MX, " "), sts.Policy.MaxAge, sts.ID)
		n++
	}
	fmt.Fprintf(r.env.Stdout, "Wrote %d policy file(s) under %s: serve each as https://mta-sts.<domain>/.well-known/mta-sts.txt (text/plain), then apply, so the id in DNS moves after the file.\n", n, pos[0])
	return ExitOK
}
