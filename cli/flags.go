package cli

import (
	"bytes"
	"flag"
	"sort"
	"strings"
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
