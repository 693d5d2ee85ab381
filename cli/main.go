package cli

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/mailzone/mailzone/cmdline"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/session"
)

// Exit codes, as design.md and the README give them.
const (
	ExitOK         = session.ExitOK
	ExitError      = session.ExitError
	ExitChanges    = session.ExitChanges    // plan --detailed-exitcode with changes pending; verify that finds drift
	ExitUnverified = session.ExitUnverified // applied, but not every nameserver agreed in time
)

// Version is the mailzone version; set at build time with -ldflags "-X".
var Version = ""

// Main runs the command line args and returns the exit code.
func Main(args []string, env Env) int {
	// --no-color anywhere on the line turns colors off, as NO_COLOR does.
	for i := 0; i < len(args); i++ {
		if args[i] == "--no-color" || args[i] == "-no-color" {
			args = append(append([]string(nil), args[:i]...), args[i+1:]...)
			env.NoColor = true
			i--
		}
	}
	s := session.New(env)
	defer s.Close()
	r := &run{s: s}
	if len(args) == 0 {
		fmt.Fprint(r.s.Env.Stderr, usage())
		return ExitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "plan":
		return r.plan(rest)
	case "apply":
		return r.apply(rest)
	case "verify":
		return r.verify(rest)
	case "lint":
		return r.lint(rest)
	case "show":
		return r.show(rest)
	case "import":
		return r.importCmd(rest)
	case "onboard":
		return r.onboard(rest)
	case "dkim":
		return r.dkim(rest)
	case "dmarc":
		return r.dmarc(rest)
	case "report":
		return r.report(rest)
	case "mta-sts":
		return r.mtasts(rest)
	case "completion":
		return r.completion(rest)
	case "__complete":
		return r.complete(rest)
	case "version", "--version", "-version":
		fmt.Fprintln(r.s.Env.Stdout, "mailzone", version())
		return ExitOK
	case "help", "-h", "--help", "-help":
		if cmd == "help" && len(rest) > 0 {
			// mailzone help CMD [SUB] is CMD [SUB] -h.
			return Main(append(append([]string(nil), rest...), "-h"), env)
		}
		fmt.Fprint(r.s.Env.Stdout, usage())
		return ExitOK
	}
	hint := ""
	if n := cmdline.Nearest(cmd, commandNames); n != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", n)
	}
	fmt.Fprintf(r.s.Env.Stderr, "mailzone: unknown command %q%s\n\n%s", escape.Short(cmd), hint, usage())
	return ExitError
}

func version() string {
	v := Version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if !ok {
		return v
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	out := v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += fmt.Sprintf(" (commit %s%s", rev, dirty)
		if at != "" {
			out += ", " + at
		}
		out += ")"
	}
	return out + " " + bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// run is one invocation of the command line.
type run struct {
	s *session.Session
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// parse parses a command's flags (see cmdline.Parse), answering the probe
// of Flags first.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	probeFlags(fs, args)
	return cmdline.Parse(fs, args)
}

// usageError prints the help a -h asked for, or says what is wrong with the
// command line.
func (r *run) usageError(cmd string, err error) int {
	var h cmdline.HelpError
	if errors.As(err, &h) {
		writeHelp(r.s.Env.Stdout, cmd, h.FlagSet)
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(r.s.Env.Stdout, cmd, nil)
		return ExitOK
	}
	return r.s.UsageError(cmd, err)
}

// oneOf checks a --format value.
func oneOf(value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fmt.Errorf("--format must be %s, not %q", orList(allowed), value)
}

// orList is "a, b or c".
func orList(ss []string) string {
	if len(ss) == 1 {
		return ss[0]
	}
	return strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1]
}
