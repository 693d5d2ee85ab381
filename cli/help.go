package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mailzone/mailzone/cmdline"
)

// Per-command help is generated from each command's own flag set, so it
// cannot drift from the flags that exist; this file holds only what a flag
// set does not know: a synopsis and an example per command.

// docs is what help says about each command besides its flags.
var docs = map[string]cmdline.Doc{
	"plan":           {Synopsis: "mailzone plan [flags]", About: "Show what would change: reads every zone once and diffs it with the configuration.", Example: "mailzone plan -d contoso.com --detailed-exitcode -out plan.json"},
	"apply":          {Synopsis: "mailzone apply [flags] [PLANFILE]", About: "Write the changes (asking first, unless --yes or a saved plan), then verify them on every nameserver.", Example: "mailzone apply plan.json"},
	"verify":         {Synopsis: "mailzone verify [flags]", About: "Check that every authoritative nameserver serves the desired state, without writing.", Example: "mailzone verify -d contoso.com --verify-timeout 2m"},
	"lint":           {Synopsis: "mailzone lint [flags]", About: "Run the offline checks and the checks that need DNS.", Example: "mailzone lint --resolver 9.9.9.9:53"},
	"show":           {Synopsis: "mailzone show [flags] PLANFILE", About: "Render a saved plan without reading any zone.", Example: "mailzone show plan.json --format markdown"},
	"import":         {Synopsis: "mailzone import [flags] --provider NAME DOMAIN...", About: "Read domains' current mail records as configuration.", Example: "mailzone import --provider cf --write contoso.com fabrikam.co.uk"},
	"onboard":        {Synopsis: "mailzone onboard [flags] DOMAIN --profile NAME   |   mailzone onboard [flags] --from FILE.csv", About: "Add customer domains with a profile and a fresh DKIM key; every check runs before any write.", Example: "mailzone onboard contoso.com --profile standard --dkim-algorithm both"},
	"dkim status":    {Synopsis: "mailzone dkim status [flags]", About: "Each DKIM selector's key, age and state: pending, propagating, ready, retiring, revoked.", Example: "mailzone dkim status -d contoso.com --format json"},
	"dkim ready":     {Synopsis: "mailzone dkim ready [flags] DOMAIN SELECTOR", About: "Exit 0 only when the key is safe to sign with.", Example: "mailzone dkim ready contoso.com mz202612 --wait --timeout 30m"},
	"dkim rotate":    {Synopsis: "mailzone dkim rotate [flags] DOMAIN --selector NEW   |   mailzone dkim rotate --due [-d DOMAIN]...", About: "Add a selector with a new key beside the old ones.", Example: "mailzone dkim rotate --due"},
	"dkim retire":    {Synopsis: "mailzone dkim retire [flags] DOMAIN SELECTOR", About: "Mark a selector revoked, only when another selector of the domain is ready.", Example: "mailzone dkim retire contoso.com mz202606"},
	"dkim export":    {Synopsis: "mailzone dkim export [flags] DIR", About: "Write the signer's tables (OpenDKIM or rspamd) for the ready keys.", Example: "mailzone dkim export --format opendkim /etc/opendkim/mailzone"},
	"dmarc reports":  {Synopsis: "mailzone dmarc reports [flags] PATH...", About: "Sum DMARC aggregate reports (.xml, .xml.gz, .gz, .zip; files or directories) per policy domain: the evidence a rollout advances on.", Example: "mailzone dmarc reports --since 30d --out summary.json reports/"},
	"report":         {Synopsis: "mailzone report [flags] --html FILE", About: "Write the fleet overview (MX, SPF lookups, DKIM states, DMARC stage, report pass rates, MTA-STS, TLS-RPT) as one self-contained HTML page, or as JSON.", Example: "mailzone report --html overview.html --dmarc-evidence summary.json"},
	"mta-sts export": {Synopsis: "mailzone mta-sts export [flags] DIR", About: "Write DIR/<domain>/.well-known/mta-sts.txt, the MTA-STS policy of every domain, for any static HTTPS host.", Example: "mailzone mta-sts export site/"},
	"completion":     {Synopsis: "mailzone completion bash|zsh|fish", About: "Print a completion script: commands and flags complete, and so do domains, providers and profiles of the configuration.", Example: "mailzone completion bash > /etc/bash_completion.d/mailzone"},
	"version":        {Synopsis: "mailzone version", About: "Print the version, VCS revision and Go version.", Example: "mailzone version"},
}

// usageOrder is the order of the commands in the global usage.
var usageOrder = []string{"plan", "apply", "verify", "lint", "show", "import", "onboard",
	"dkim status", "dkim ready", "dkim rotate", "dkim retire", "dkim export",
	"dmarc reports", "report", "mta-sts export", "completion", "version"}

// usage is the global help, made from docs: every command and what it does.
// Flags are in each command's own help, generated from its flag set, so this
// cannot go stale.
func usage() string {
	var b strings.Builder
	b.WriteString("mailzone keeps the mail DNS records of many domains as YAML and makes providers match it.\n\nUsage: mailzone COMMAND [flags] [arguments]\n\nCommands:\n")
	for _, c := range usageOrder {
		fmt.Fprintf(&b, "  %-15s %s\n", c, docs[c].About)
	}
	b.WriteString(`
Run mailzone COMMAND -h (or mailzone help COMMAND) for its synopsis, every flag with its default, and an example.

The configuration is -c FILE, else $MAILZONE_CONFIG, else mailzone.yaml here or in the nearest parent directory.
Exit codes: 0 success; 1 error; 2 changes pending (plan --detailed-exitcode), drift (verify) or a key not ready yet (dkim ready);
3 applied but not verified in time, or dkim ready --wait timed out; 130/143 interrupted by SIGINT/SIGTERM.
`)
	return b.String()
}

// commands are the top-level commands, for suggestions.
var commandNames = []string{"plan", "apply", "verify", "lint", "show", "import", "onboard", "dkim", "dmarc", "report", "mta-sts", "completion", "version", "help"}

// writeHelp prints a command's help: its doc and every flag of fs.
func writeHelp(w io.Writer, cmd string, fs *flag.FlagSet) {
	d := docs[cmd]
	if d.Synopsis == "" {
		d.Synopsis = "mailzone " + cmd + " [flags]"
	}
	cmdline.WriteHelp(w, d, fs)
}
