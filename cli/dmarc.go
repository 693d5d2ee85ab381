package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dmarc dispatches the dmarc subcommands.
func (r *run) dmarc(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fmt.Fprintf(r.s.Env.Stdout, "Usage: mailzone dmarc SUBCOMMAND [flags]\n\nSubcommands:\n  %-8s %s\n\nRun mailzone dmarc SUBCOMMAND -h for its flags.\n", "reports", docs["dmarc reports"].About)
			return ExitOK
		}
		return r.usageError("dmarc", fmt.Errorf("name a subcommand: reports"))
	}
	if args[0] != "reports" {
		return r.usageError("dmarc", fmt.Errorf("unknown subcommand %q; the subcommand is reports", args[0]))
	}
	fs := flag.NewFlagSet("dmarc reports", flag.ContinueOnError)
	since := fs.String("since", "", "count only reports whose period ended within this long before now, such as 30d or 720h (default: all)")
	format := fs.String("format", "text", "output format: text or json (the summary's JSON, as --out writes it)")
	out := fs.String("out", "", "also write the summary as JSON to this file, for plan --dmarc-evidence")
	pos, err := parse(fs, args[1:])
	if err == nil {
		err = oneOf(*format, "text", "json")
	}
	if err == nil && len(pos) == 0 {
		err = fmt.Errorf("name report files or directories")
	}
	var age time.Duration
	if err == nil && *since != "" {
		if age, err = parseAge(*since); err != nil {
			err = fmt.Errorf("--since: %v", err)
		}
	}
	if err != nil {
		return r.usageError("dmarc reports", err)
	}
	return r.s.Reports(pos, age, *format, *out)
}

// parseAge reads a duration as days ("30d") or as Go writes it ("720h").
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration such as 30d or 720h", s)
	}
	return d, nil
}
