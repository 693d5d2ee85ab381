package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/cmdline"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/flatten"
	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// Exit codes, as design.md and the README give them.
const (
	ExitOK         = 0
	ExitError      = 1
	ExitChanges    = 2 // plan --detailed-exitcode with changes pending; verify that finds drift
	ExitUnverified = 3 // applied, but not every nameserver agreed in time
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
	secrets := []string{}
	commands := io.Writer(escape.Redactor{W: env.Stdout, Secrets: &secrets})
	if env.actions() {
		// No line mailzone prints may be taken for a workflow command but
		// its own annotations, which go through r.commands.
		out, errw := &escape.CommandGuard{W: env.Stdout}, &escape.CommandGuard{W: env.Stderr}
		defer out.Flush()
		defer errw.Flush()
		env.Stdout, env.Stderr = out, errw
	}
	env.Stdout = escape.Redactor{W: env.Stdout, Secrets: &secrets}
	env.Stderr = escape.Redactor{W: env.Stderr, Secrets: &secrets}
	r := &run{env: env, secrets: &secrets, commands: commands, stop: fleet.NewStopper()}
	if env.Signals != nil {
		errw := env.Stderr
		go r.stop.Watch(env.Signals, func(msg string) { fmt.Fprintln(errw, msg) })
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage())
		return ExitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "plan":
		return r.plan(rest)
	case "apply":
		return r.apply(rest)
	case "lint":
		return r.lint(rest)
	case "verify":
		return r.verify(rest)
	case "import":
		return r.importCmd(rest)
	case "onboard":
		return r.onboard(rest)
	case "dkim":
		return r.dkimCmd(rest)
	case "dmarc":
		return r.dmarcCmd(rest)
	case "report":
		return r.reportCmd(rest)
	case "mta-sts":
		return r.mtastsCmd(rest)
	case "show":
		return r.show(rest)
	case "completion":
		return r.completion(rest)
	case "__complete":
		return r.complete(rest)
	case "version", "--version", "-version":
		fmt.Fprintln(env.Stdout, "mailzone", version())
		return ExitOK
	case "help", "-h", "--help", "-help":
		if cmd == "help" && len(rest) > 0 {
			// mailzone help CMD [SUB] is CMD [SUB] -h.
			return Main(append(append([]string(nil), rest...), "-h"), env)
		}
		fmt.Fprint(env.Stdout, usage())
		return ExitOK
	}
	hint := ""
	if n := cmdline.Nearest(cmd, commandNames); n != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", n)
	}
	fmt.Fprintf(env.Stderr, "mailzone: unknown command %q%s\n\n%s", escape.Short(cmd), hint, usage())
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

// run carries one invocation's environment.
type run struct {
	env Env
	// stop tracks SIGINT and SIGTERM: see interrupt.go.
	stop *fleet.Stopper
	// verified collects verification results for --format json.
	verified *[]verify.ZoneDoc
	// commands receives mailzone's own workflow commands (annotations),
	// bypassing the guard that neutralizes every other line starting "::".
	commands io.Writer
	secrets  *[]string
	// excluded are the domains lint refused to plan, with the reasons.
	excluded []plan.Excluded
	// findings are the lint findings of this run, for the markdown plan.
	findings []lint.Finding
	// evidence is --dmarc-evidence, which load reads for gated rollout
	// stages instead of defaults.dmarc_evidence.
	evidence string
	// rollouts are where each domain's DMARC rollout stands, as load
	// decided it.
	rollouts []rollout.Status
	// loadedEvidence is the DMARC evidence load read (from
	// loadedEvidenceFrom), nil without any.
	loadedEvidence     *aggregate.Summary
	loadedEvidenceFrom string
	// flattened are the SPF records flattened for this run's plan.
	flattened []*flatten.Result
	// resolvers are the run's recursive resolvers by address (see resolver).
	resolvers map[string]*lint.DNSResolver
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

func (r *run) usageError(cmd string, err error) int {
	var h cmdline.HelpError
	if errors.As(err, &h) {
		writeHelp(r.env.Stdout, cmd, h.FlagSet)
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		writeHelp(r.env.Stdout, cmd, nil)
		return ExitOK
	}
	fmt.Fprintf(r.env.Stderr, "mailzone %s: %s\n\nRun mailzone %s -h for its flags.\n", cmd, escape.Terminal(err.Error()), cmd)
	return ExitError
}

// configPath is -c, else the configuration schema.Find finds, named on
// stderr unless it is ./mailzone.yaml.
func (r *run) configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	path, how := schema.Find(r.env.Getenv)
	switch how {
	case "MAILZONE_CONFIG":
		fmt.Fprintf(r.env.Stderr, "mailzone: using %s (MAILZONE_CONFIG)\n", escape.Terminal(path))
	case "parent":
		fmt.Fprintf(r.env.Stderr, "mailzone: using %s\n", escape.Terminal(path))
	}
	return path
}

// load loads the configuration and prints its diagnostics. It returns nil when
// the configuration has errors.
func (r *run) load(path string) *schema.Config {
	path = r.configPath(path)
	data, err := schema.ReadFile(path)
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	cfg, err := schema.Parse(path, data, r.env.LookupEnv)
	var diags schema.Diagnostics
	if errors.As(err, &diags) {
		r.diagnostics(diags)
		fmt.Fprintf(r.env.Stderr, "%s: %d error(s); nothing was changed\n", path, len(diags.Errors()))
		return nil
	}
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	for _, p := range cfg.Providers {
		*r.secrets = append(*r.secrets, p.Secrets()...)
	}
	r.diagnostics(cfg.Warnings)
	if !r.decideRollouts(cfg) {
		return nil
	}
	return cfg
}

// diagnostics prints findings to stderr, and as workflow commands under GitHub
// Actions so they annotate the pull request. Control characters from values
// are shown escaped.
func (r *run) diagnostics(ds schema.Diagnostics) {
	r.annotate(ds)
	for _, d := range ds {
		fmt.Fprintln(r.env.Stderr, escape.Terminal(d.String()))
	}
}

// annotate prints findings as GitHub workflow commands under GitHub Actions,
// so they annotate the pull request at the line they concern.
func (r *run) annotate(ds schema.Diagnostics) {
	if !r.env.actions() {
		return
	}
	for _, d := range ds {
		kind := "error"
		if d.Severity == schema.Warning {
			kind = "warning"
		}
		msg := d.Msg
		if d.Field != "" {
			msg = d.Field + ": " + msg
		}
		fmt.Fprintf(r.commands, "::%s file=%s,line=%d,col=%d::%s\n", kind, escape.Property(d.Pos.File), d.Pos.Line, d.Pos.Col, escape.Annotation(msg))
	}
}

// errorf reports an error on stderr, with control characters from values
// shown escaped, and as an annotation under GitHub Actions.
func (r *run) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.env.actions() {
		fmt.Fprintf(r.commands, "::error::%s\n", escape.Annotation(msg))
	}
	fmt.Fprintln(r.env.Stderr, "mailzone: "+escape.Terminal(msg))
}

// scrub removes this run's secrets from bytes about to be written to a file.
func (r *run) scrub(data []byte) []byte { return escape.Redact(data, *r.secrets) }

// excludedExit reports the domains a plan left out, after everything else,
// and makes the exit code 1 when there are any: the other domains went
// ahead, but the run as a whole did not do all it was asked.
func (r *run) excludedExit(p *plan.Plan, code int) int {
	if len(p.Excluded) == 0 {
		return code
	}
	var names []string
	for _, x := range p.Excluded {
		names = append(names, x.Domain)
	}
	r.errorf("%d domain(s) were left out because the checks that need DNS found errors in them: %s (fix them, or pass --offline to skip those checks)", len(names), strings.Join(names, ", "))
	return ExitError
}

// now is the run's clock (see Env.now).
func (r *run) now() time.Time { return r.env.now() }
