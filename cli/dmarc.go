package cli

import (
	"bytes"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/schema"
)

// dmarcCmd dispatches the dmarc subcommands.
func (r *run) dmarcCmd(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fmt.Fprintf(r.env.Stdout, "Usage: mailzone dmarc SUBCOMMAND [flags]\n\nSubcommands:\n  %-8s %s\n\nRun mailzone dmarc SUBCOMMAND -h for its flags.\n", "reports", docs["dmarc reports"].About)
			return ExitOK
		}
		return r.usageError("dmarc", fmt.Errorf("name a subcommand: reports"))
	}
	if args[0] == "reports" {
		return r.dmarcReports(args[1:])
	}
	return r.usageError("dmarc", fmt.Errorf("unknown subcommand %q; the subcommand is reports", args[0]))
}

// dmarcReports is `mailzone dmarc reports`: it sums aggregate report files
// into the evidence plan --dmarc-evidence reads.
func (r *run) dmarcReports(args []string) int {
	fs := flag.NewFlagSet("dmarc reports", flag.ContinueOnError)
	since := fs.String("since", "", "count only reports whose period ended within this long before now, such as 30d or 720h (default: all)")
	format := fs.String("format", "text", "output format: text or json (the summary's JSON, as --out writes it)")
	out := fs.String("out", "", "also write the summary as JSON to this file, for plan --dmarc-evidence")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dmarc reports", err)
	}
	if *format != "text" && *format != "json" {
		return r.usageError("dmarc reports", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	if len(pos) == 0 {
		return r.usageError("dmarc reports", fmt.Errorf("name report files or directories"))
	}
	var o aggregate.Options
	if *since != "" {
		d, err := parseAge(*since)
		if err != nil {
			return r.usageError("dmarc reports", fmt.Errorf("--since: %v", err))
		}
		o.Since = r.now().Add(-d)
	}
	files, err := aggregate.Files(pos)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	s := aggregate.Read(files, o)
	var js bytes.Buffer
	if err := s.WriteJSON(&js); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if *out != "" {
		if err := configedit.WriteAtomic(*out, js.Bytes()); err != nil {
			r.errorf("--out: %v", err)
			return ExitError
		}
	}
	if *format == "json" {
		r.env.Stdout.Write(js.Bytes())
	} else {
		s.WriteText(r.env.Stdout)
		if *out != "" {
			fmt.Fprintf(r.env.Stdout, "The summary is in %s: mailzone plan --dmarc-evidence %s\n", *out, *out)
		}
	}
	if s.Reports == 0 && len(s.Refused) > 0 {
		r.errorf("no report could be read (%d file(s) refused)", len(s.Refused))
		return ExitError
	}
	return ExitOK
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

// decideRollouts sets the DMARC record each domain with a rollout
// publishes now (package rollout), reading the evidence gated stages need:
// --dmarc-evidence, else defaults.dmarc_evidence.
func (r *run) decideRollouts(cfg *schema.Config) bool {
	var ev *aggregate.Summary
	path := r.evidenceFile(cfg.Dir, cfg.Defaults.DMARCEvidence)
	if path != "" {
		var err error
		if ev, err = aggregate.Load(path); err != nil {
			r.errorf("DMARC evidence: %v; nothing was changed", err)
			return false
		}
	}
	r.rollouts = rollout.Apply(cfg, r.now(), ev)
	r.loadedEvidence, r.loadedEvidenceFrom = ev, path
	return true
}
