package cli

import (
	"flag"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/cmdline"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/session"
)

// dkimSubcommands are the dkim subcommands, in the order help lists them.
var dkimSubcommands = []string{"status", "ready", "rotate", "retire", "export"}

// dkim dispatches the dkim subcommands.
func (r *run) dkim(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 0 {
			fmt.Fprint(r.out, "Usage: mailzone dkim SUBCOMMAND [flags]\n\nSubcommands:\n")
			for _, sub := range dkimSubcommands {
				fmt.Fprintf(r.out, "  %-8s %s\n", sub, docs["dkim "+sub].About)
			}
			fmt.Fprint(r.out, "\nRun mailzone dkim SUBCOMMAND -h for its flags.\n")
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

func (r *run) dkimStatus(args []string) int {
	fs := flag.NewFlagSet("dkim status", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q; limit domains with -d", pos[0])
	}
	if err == nil {
		err = oneOf(*format, "text", "json")
	}
	if err != nil {
		return r.usageError("dkim status", err)
	}
	return r.s.Status(*f, *vf, *format)
}

func (r *run) dkimReady(args []string) int {
	fs := flag.NewFlagSet("dkim ready", flag.ContinueOnError)
	var o session.ReadyOptions
	fleetFlags(fs, &o.Fleet)
	verifyFlags(fs, &o.Verifying)
	fs.BoolVar(&o.Wait, "wait", false, "wait until the key is ready, or until --timeout")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Minute, "how long --wait waits")
	fs.StringVar(&o.Format, "format", "text", "output format: text or json")
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 2 {
		err = fmt.Errorf("name a domain and a selector")
	}
	if err == nil {
		err = oneOf(o.Format, "text", "json")
	}
	if err != nil {
		return r.usageError("dkim ready", err)
	}
	o.Domain, o.Selector = pos[0], pos[1]
	return r.s.Ready(o)
}

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

func (r *run) retire(args []string) int {
	fs := flag.NewFlagSet("dkim retire", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 2 {
		err = fmt.Errorf("name a domain and a selector")
	}
	if err != nil {
		return r.usageError("dkim retire", err)
	}
	return r.s.Retire(*f, *vf, pos[0], pos[1])
}

func (r *run) dkimExport(args []string) int {
	fs := flag.NewFlagSet("dkim export", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	format := fs.String("format", "opendkim", "opendkim (KeyTable, SigningTable) or rspamd (dkim_signing maps)")
	keyDir := fs.String("key-dir", "keys", "directory of the private keys, relative to the configuration file")
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("name the directory to write the tables to")
	}
	if err == nil {
		err = oneOf(*format, "opendkim", "rspamd")
	}
	if err != nil {
		return r.usageError("dkim export", err)
	}
	return r.s.Export(*f, *vf, *format, *keyDir, pos[0])
}
