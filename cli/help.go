package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Per-command help is generated from each command's own flag set, so it
// cannot drift from the flags that exist; this file holds only what a flag
// set does not know: a synopsis and an example per command.

// cmdDoc is what help says about a command besides its flags.
type cmdDoc struct {
	synopsis, about, example string
}

var docs = map[string]cmdDoc{
	"plan":           {"mailzone plan [flags]", "Show what would change: reads every zone once and diffs it with the configuration.", "mailzone plan -d contoso.com --detailed-exitcode -out plan.json"},
	"apply":          {"mailzone apply [flags] [PLANFILE]", "Write the changes (asking first, unless --yes or a saved plan), then verify them on every nameserver.", "mailzone apply plan.json"},
	"verify":         {"mailzone verify [flags]", "Check that every authoritative nameserver serves the desired state, without writing.", "mailzone verify -d contoso.com --verify-timeout 2m"},
	"lint":           {"mailzone lint [flags]", "Run the offline checks and the checks that need DNS.", "mailzone lint --resolver 9.9.9.9:53"},
	"show":           {"mailzone show [flags] PLANFILE", "Render a saved plan without reading any zone.", "mailzone show plan.json --format markdown"},
	"import":         {"mailzone import [flags] --provider NAME DOMAIN...", "Read domains' current mail records as configuration.", "mailzone import --provider cf --write contoso.com fabrikam.co.uk"},
	"onboard":        {"mailzone onboard [flags] DOMAIN --profile NAME   |   mailzone onboard [flags] --from FILE.csv", "Add customer domains with a profile and a fresh DKIM key; every check runs before any write.", "mailzone onboard contoso.com --profile standard --dkim-algorithm both"},
	"dkim status":    {"mailzone dkim status [flags]", "Each DKIM selector's key, age and state: pending, propagating, ready, retiring, revoked.", "mailzone dkim status -d contoso.com --format json"},
	"dkim ready":     {"mailzone dkim ready [flags] DOMAIN SELECTOR", "Exit 0 only when the key is safe to sign with.", "mailzone dkim ready contoso.com mz202612 --wait --timeout 30m"},
	"dkim rotate":    {"mailzone dkim rotate [flags] DOMAIN --selector NEW   |   mailzone dkim rotate --due [-d DOMAIN]...", "Add a selector with a new key beside the old ones.", "mailzone dkim rotate --due"},
	"dkim retire":    {"mailzone dkim retire [flags] DOMAIN SELECTOR", "Mark a selector revoked, only when another selector of the domain is ready.", "mailzone dkim retire contoso.com mz202606"},
	"dkim export":    {"mailzone dkim export [flags] DIR", "Write the signer's tables (OpenDKIM or rspamd) for the ready keys.", "mailzone dkim export --format opendkim /etc/opendkim/mailzone"},
	"dmarc reports":  {"mailzone dmarc reports [flags] PATH...", "Sum DMARC aggregate reports (.xml, .xml.gz, .gz, .zip; files or directories) per policy domain: the evidence a rollout advances on.", "mailzone dmarc reports --since 30d --out summary.json reports/"},
	"report":         {"mailzone report [flags] --html FILE", "Write the fleet overview (MX, SPF lookups, DKIM states, DMARC stage, report pass rates, MTA-STS, TLS-RPT) as one self-contained HTML page, or as JSON.", "mailzone report --html overview.html --dmarc-evidence summary.json"},
	"mta-sts export": {"mailzone mta-sts export [flags] DIR", "Write DIR/<domain>/.well-known/mta-sts.txt, the MTA-STS policy of every domain, for any static HTTPS host.", "mailzone mta-sts export site/"},
	"version":        {"mailzone version", "Print the version, VCS revision and Go version.", "mailzone version"},
}

// commands are the top-level commands, for suggestions.
var commandNames = []string{"plan", "apply", "verify", "lint", "show", "import", "onboard", "dkim", "dmarc", "report", "mta-sts", "completion", "version", "help"}

// helpError is a request for a command's help (-h, --help), with the flag
// set to describe.
type helpError struct{ fs *flag.FlagSet }

func (helpError) Error() string { return flag.ErrHelp.Error() }
func (helpError) Unwrap() error { return flag.ErrHelp }

// writeHelp prints a command's synopsis, what it does, every flag with its
// default, and an example.
func writeHelp(w io.Writer, cmd string, fs *flag.FlagSet) {
	d := docs[cmd]
	if d.synopsis == "" {
		d.synopsis = "mailzone " + cmd + " [flags]"
	}
	fmt.Fprintf(w, "Usage: %s\n\n", d.synopsis)
	if d.about != "" {
		fmt.Fprintf(w, "%s\n\n", d.about)
	}
	if fs != nil {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if len(names) > 0 {
			fmt.Fprintln(w, "Flags:")
			sort.Strings(names)
			for _, n := range names {
				f := fs.Lookup(n)
				dash := "--"
				if len(n) == 1 {
					dash = "-"
				}
				arg, usage := flag.UnquoteUsage(f)
				line := "  " + dash + n
				if arg != "" {
					line += " " + arg
				}
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" && f.DefValue != "0s" {
					usage += fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(w, "%-28s %s\n", line, usage)
			}
			fmt.Fprintln(w)
		}
	}
	if d.example != "" {
		fmt.Fprintf(w, "Example:\n  %s\n", d.example)
	}
}

// nearest returns the candidate closest to s by edit distance, when it is
// close enough to be a likely typo.
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(s, c); d < bestD || (d == bestD && best == "") && d <= 2 {
			best, bestD = c, d
		}
	}
	if bestD > 2 || best == "" {
		if len(s) >= 2 {
			for _, c := range candidates {
				if strings.HasPrefix(c, s) {
					return c
				}
			}
		}
		return ""
	}
	return best
}

// distance is the Levenshtein distance of two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// flagSuggestion adds "did you mean --x?" to an unknown-flag error.
func flagSuggestion(err error, fs *flag.FlagSet) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	if fs == nil || !strings.HasPrefix(msg, prefix) {
		return err
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if n := nearest(name, names); n != "" {
		dash := "--"
		if len(n) == 1 {
			dash = "-"
		}
		return fmt.Errorf("%s (did you mean %s%s?)", msg, dash, n)
	}
	return err
}
