// Package session runs one mailzone operation from options the command line
// has already parsed: plan, apply, verify, lint, show, import, onboard, the
// dkim, dmarc and mta-sts commands and report. An operation puts the stages
// (schema, lint, fleet, plan, apply, verify, keystatus, ...) in order, tells
// the user what happened through the run's guarded streams, and returns the
// exit code. A Session carries what one invocation learns on the way: the
// secrets to redact, lint's findings and exclusions, rollout stages, flattened
// SPF, resolvers and the signal state.
//
// This is the split Terraform makes between its command package and its
// local backend: package cli only parses flags and prints help, so the
// operations can be driven without a command line and the command line
// without running anything.
package session

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailzone/mailzone/aggregate"
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

// Session is one invocation of mailzone.
type Session struct {
	// Env is the invocation's world, its streams guarded: secrets are
	// redacted and, under GitHub Actions, lines that would be workflow
	// commands are neutralized.
	Env Env
	// stop tracks SIGINT and SIGTERM.
	stop *fleet.Stopper
	// flush ends the stream guards (see New).
	flush []func()
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

// New starts a session in env: its streams are guarded, and signals from
// env.Signals stop its operations (the first gracefully, the second at
// once). Close it when done.
func New(env Env) *Session {
	secrets := []string{}
	r := &Session{secrets: &secrets, stop: fleet.NewStopper()}
	r.commands = escape.Redactor{W: env.Stdout, Secrets: &secrets}
	if env.Actions() {
		// No line mailzone prints may be taken for a workflow command but
		// its own annotations, which go through r.commands.
		out, errw := &escape.CommandGuard{W: env.Stdout}, &escape.CommandGuard{W: env.Stderr}
		r.flush = append(r.flush, errw.Flush, out.Flush)
		env.Stdout, env.Stderr = out, errw
	}
	env.Stdout = escape.Redactor{W: env.Stdout, Secrets: &secrets}
	env.Stderr = escape.Redactor{W: env.Stderr, Secrets: &secrets}
	r.Env = env
	if env.Signals != nil {
		go r.stop.Watch(env.Signals, func(msg string) { fmt.Fprintln(env.Stderr, msg) })
	}
	return r
}

// Close flushes the stream guards.
func (r *Session) Close() {
	for _, f := range r.flush {
		f()
	}
}

// UsageError reports a command line the command cannot run, and points at
// its help.
func (r *Session) UsageError(cmd string, err error) int {
	fmt.Fprintf(r.Env.Stderr, "mailzone %s: %s\n\nRun mailzone %s -h for its flags.\n", cmd, escape.Terminal(err.Error()), cmd)
	return ExitError
}

// configPath is -c, else the configuration schema.Find finds, named on
// stderr unless it is ./mailzone.yaml.
func (r *Session) configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	path, how := schema.Find(r.Env.Getenv)
	switch how {
	case "MAILZONE_CONFIG":
		fmt.Fprintf(r.Env.Stderr, "mailzone: using %s (MAILZONE_CONFIG)\n", escape.Terminal(path))
	case "parent":
		fmt.Fprintf(r.Env.Stderr, "mailzone: using %s\n", escape.Terminal(path))
	}
	return path
}

// load loads the configuration and prints its diagnostics. It returns nil when
// the configuration has errors.
func (r *Session) load(path string) *schema.Config {
	path = r.configPath(path)
	text, err := schema.ReadText(path)
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	cfg, err := schema.ParseText(path, text, r.Env.LookupEnv)
	var diags schema.Diagnostics
	if errors.As(err, &diags) {
		r.diagnostics(diags)
		fmt.Fprintf(r.Env.Stderr, "%s: %d error(s); nothing was changed\n", path, len(diags.Errors()))
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
func (r *Session) diagnostics(ds schema.Diagnostics) {
	r.annotate(ds)
	for _, d := range ds {
		fmt.Fprintln(r.Env.Stderr, escape.Terminal(d.String()))
	}
}

// annotate prints findings as GitHub workflow commands under GitHub Actions,
// so they annotate the pull request at the line they concern.
func (r *Session) annotate(ds schema.Diagnostics) {
	if !r.Env.Actions() {
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
func (r *Session) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if r.Env.Actions() {
		fmt.Fprintf(r.commands, "::error::%s\n", escape.Annotation(msg))
	}
	fmt.Fprintln(r.Env.Stderr, "mailzone: "+escape.Terminal(msg))
}

// editError reports an edit of the configuration that failed: when the
// edited file does not load, its diagnostics and then msg; else err.
func (r *Session) editError(err error, msg string) int {
	var diags schema.Diagnostics
	if errors.As(err, &diags) {
		r.diagnostics(diags)
		err = errors.New(msg)
	}
	r.errorf("%v", err)
	return ExitError
}

// scrub removes this run's secrets from bytes about to be written to a file.
func (r *Session) scrub(data []byte) []byte { return escape.Redact(data, *r.secrets) }

// excludedExit reports the domains a plan left out, after everything else,
// and makes the exit code 1 when there are any: the other domains went
// ahead, but the run as a whole did not do all it was asked.
func (r *Session) excludedExit(p *plan.Plan, code int) int {
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

// now is the run's clock (see Env.Now).
func (r *Session) now() time.Time { return r.Env.Now() }
