package session

import (
	"io"
	"os"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/escape"
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
	// Signals, when not nil, delivers SIGINT and SIGTERM (see fleet.Stopper).
	Signals <-chan os.Signal
	// NoColor is set by --no-color.
	NoColor bool
}

// Color reports whether output may be colored: on a terminal, without
// NO_COLOR or --no-color, and not under GitHub Actions.
func (e Env) Color() bool {
	return e.StdoutTerminal && !e.NoColor && e.Getenv("NO_COLOR") == "" && !e.Actions() && e.Getenv("TERM") != "dumb"
}

// Actions reports whether mailzone runs under GitHub Actions.
func (e Env) Actions() bool { return e.Getenv("GITHUB_ACTIONS") == "true" }

// Now is the clock of a run: MAILZONE_NOW (RFC 3339) when set, for tests and
// for "what will happen on...", else the system clock.
func (e Env) Now() time.Time {
	if v := e.Getenv("MAILZONE_NOW"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return time.Now()
}

// writeScrubbed writes data to path, atomically, without secrets.
func writeScrubbed(path string, data []byte, secrets []string) error {
	return configedit.WriteAtomic(path, escape.Redact(data, secrets))
}
