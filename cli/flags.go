package cli

import (
	"bytes"
	"flag"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/session"
)

// flagsProbe is an argument no user types: given as a command's only argument,
// parse reports the command's flag set instead of parsing.
const flagsProbe = "\x00mailzone-flags"

// probed carries a command's flag set out of the command, as a panic value.
type probed struct{ fs *flag.FlagSet }

// probeFlags is called by parse; see Flags.
func probeFlags(fs *flag.FlagSet, args []string) {
	if len(args) == 1 && args[0] == flagsProbe {
		panic(probed{fs})
	}
}

// Flags returns the names of the flags a command accepts, sorted, taken from
// the flag set the command itself builds, so tests and tools (the example
// workflows' check) never drift from the command line. cmd may be a command
// with its subcommand ("dkim rotate"). ok is false for an unknown command;
// commands without flags (version) return none.
func Flags(cmd string) (names []string, ok bool) {
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, LookupEnv: func(string) (string, bool) { return "", false }}
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		p, isProbe := v.(probed)
		if !isProbe {
			panic(v)
		}
		p.fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		sort.Strings(names)
		ok = true
	}()
	args := append(strings.Fields(cmd), flagsProbe)
	Main(args, env)
	// The command returned without parsing flags: it has none, or it is unknown.
	msg := errb.String()
	return nil, !strings.Contains(msg, "unknown command") && !strings.Contains(msg, "unknown subcommand") && len(strings.Fields(cmd)) > 0
}

// configHelp is the help of -c and --config.
const configHelp = "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)"

// fleetFlags registers the flags plan, apply and most other commands share.
func fleetFlags(fs *flag.FlagSet, f *session.Fleet) {
	fs.StringVar(&f.Config, "c", "", configHelp)
	fs.StringVar(&f.Config, "config", "", configHelp)
	fs.Var((*multi)(&f.Domains), "d", "limit to this domain (repeatable)")
	fs.Var((*multi)(&f.Domains), "domain", "limit to this domain (repeatable)")
	fs.IntVar(&f.Parallel, "parallel", session.DefaultParallel, "zones worked on at once")
	fs.StringVar(&f.Shard, "shard", "", "work on shard K of N only (K/N, 1-based), split by a stable hash of the zone name")
	fs.StringVar(&f.RateShare, "rate-share", "", "use this share of each provider's API rate limit (1/N for N parallel jobs)")
	fs.BoolVar(&f.Offline, "offline", false, "skip the checks that need DNS (lint) before planning")
	fs.StringVar(&f.Resolver, "resolver", "", "recursive resolver (host:port) for lint and NS discovery (default: defaults.resolver, then /etc/resolv.conf)")
	fs.StringVar(&f.Evidence, "dmarc-evidence", "", "the DMARC report summary (dmarc reports --out) that gated rollout stages need (default: defaults.dmarc_evidence)")
}

// readFlag adds --read, which only plan and apply have.
func readFlag(fs *flag.FlagSet, f *session.Fleet) {
	fs.StringVar(&f.Read, "read", "dns", "read Cloudflare and Route 53 zones from their nameservers first (dns), listing through the API only zones DNS cannot show unchanged, or always through the API (api)")
}

// verifyFlags registers the flags of the commands that ask the
// authoritative nameservers.
func verifyFlags(fs *flag.FlagSet, f *session.Verifying) {
	fs.DurationVar(&f.Timeout, "verify-timeout", 0, "how long to wait, for the whole run, for every nameserver to agree (default: the longest verify.timeout, then 5m)")
	fs.Var((*multi)(&f.Nameservers), "nameserver", "query this nameserver address (ip:port) instead of discovering the NS set (repeatable)")
	fs.BoolVar(&f.Verbose, "v", false, "print the matrix of every zone, not only of the zones that did not verify")
}

// fleetVerifyFlags registers the flags of the commands that read a fleet's
// domains and ask their nameservers.
func fleetVerifyFlags(fs *flag.FlagSet) (*session.Fleet, *session.Verifying) {
	var f session.Fleet
	var vf session.Verifying
	fleetFlags(fs, &f)
	verifyFlags(fs, &vf)
	return &f, &vf
}

// keyFlags registers the flags of the commands that make a DKIM key.
func keyFlags(fs *flag.FlagSet, config, algorithm, keyDir *string) {
	fs.StringVar(config, "c", "", configHelp)
	fs.StringVar(config, "config", "", configHelp)
	fs.StringVar(algorithm, "dkim-algorithm", "", "DKIM key algorithm: rsa (2048 bits) or ed25519 (default: rsa for onboard; for dkim rotate, the algorithm of the domain's newest key)")
	fs.StringVar(keyDir, "key-dir", "keys", "directory for private keys, relative to the configuration file")
}
