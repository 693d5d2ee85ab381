// Package cli is the mailzone command line: it parses flags, runs the stages
// (load, plan, apply, verify) in order, renders their results and maps outcomes to
// exit codes. It holds no logic of its own beyond that, so every command can be
// run in-process by tests with their own streams and environment.
package cli

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mailzone/mailzone/configedit"

	"github.com/mailzone/mailzone/escape"

	"golang.org/x/term"
)

// Env is what a command may touch of the world: streams and environment.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv looks up environment variables.
	Getenv func(string) string
	// LookupEnv looks up environment variables, telling unset from empty.
	LookupEnv func(string) (string, bool)
	// StdinTerminal, StdoutTerminal and StderrTerminal report whether the
	// streams are terminals.
	StdinTerminal, StdoutTerminal, StderrTerminal bool
	// Signals, when not nil, delivers SIGINT and SIGTERM (see interrupt.go).
	Signals <-chan os.Signal
	// NoColor is set by --no-color.
	NoColor bool
}

// System returns the Env of the running process.
func System() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, LookupEnv: os.LookupEnv,
		StdinTerminal: isTerminal(os.Stdin), StdoutTerminal: isTerminal(os.Stdout), StderrTerminal: isTerminal(os.Stderr),
		Signals: notify(),
	}
}

// notify delivers SIGINT and SIGTERM to the returned channel instead of
// killing the process.
func notify() <-chan os.Signal {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch
}

// isTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one, and cron, Jenkins and `ssh host cmd </dev/null`
// hand it to mailzone as standard input.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// color reports whether output may be colored: on a terminal, without NO_COLOR,
// and not under GitHub Actions.
func (e Env) color() bool {
	return e.StdoutTerminal && !e.NoColor && e.Getenv("NO_COLOR") == "" && !e.actions() && e.Getenv("TERM") != "dumb"
}

// actions reports whether mailzone runs under GitHub Actions.
func (e Env) actions() bool { return e.Getenv("GITHUB_ACTIONS") == "true" }

// writeScrubbed writes data to path, atomically, without secrets.
func writeScrubbed(path string, data []byte, secrets []string) error {
	return configedit.WriteAtomic(path, escape.Redact(data, secrets))
}

// now is the clock of a run: MAILZONE_NOW (RFC 3339) when set, for tests and
// for "what will happen on...", else the system clock.
func (e Env) now() time.Time {
	if v := e.Getenv("MAILZONE_NOW"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return time.Now()
}
