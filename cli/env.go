// Package cli is the mailzone command line: it parses flags, runs the stages
// (load, plan, apply, verify) in order, renders their results and maps outcomes to
// exit codes. It holds no logic of its own beyond that, so every command can be
// run in-process by tests with their own streams and environment.
package cli

import (
	"bytes"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
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

// scrubber replaces secret values with a placeholder in everything written
// through it. It is a last line of defense: secrets are never printed on purpose.
type scrubber struct {
	w       io.Writer
	secrets *[]string
}

func (s scrubber) Write(p []byte) (int, error) {
	out := string(p)
	for _, sec := range *s.secrets {
		if len(sec) >= 4 {
			out = strings.ReplaceAll(out, sec, "[redacted]")
		}
	}
	if _, err := io.WriteString(s.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// commandGuard passes output through line by line, and neutralizes any line
// that the GitHub Actions runner would take for a workflow command (it
// starts with "::" after leading spaces) by prefixing a backslash. Values
// from the configuration are escaped where they are rendered; this is the
// guarantee behind that. Flush writes a last unterminated line.
type commandGuard struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (g *commandGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.buf = append(g.buf, p...)
	for {
		i := bytes.IndexByte(g.buf, '\n')
		if i < 0 {
			break
		}
		if err := g.emit(g.buf[:i+1]); err != nil {
			return 0, err
		}
		g.buf = g.buf[i+1:]
	}
	return len(p), nil
}

func (g *commandGuard) emit(line []byte) error {
	if escape.CommandLine(string(line)) {
		if _, err := g.w.Write([]byte{'\\'}); err != nil {
			return err
		}
	}
	_, err := g.w.Write(line)
	return err
}

// Flush writes what is left of an unterminated last line.
func (g *commandGuard) Flush() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.buf) > 0 {
		g.emit(g.buf)
		g.buf = nil
	}
}

// scrubBytes removes every secret from data, as the scrubber does for
// streams; files mailzone writes go through it too.
func scrubBytes(data []byte, secrets []string) []byte {
	out := string(data)
	for _, sec := range secrets {
		if len(sec) >= 4 {
			out = strings.ReplaceAll(out, sec, "[redacted]")
			// JSON and markdown may carry the secret escaped.
			if q := strings.Trim(strconv.Quote(sec), `"`); q != sec {
				out = strings.ReplaceAll(out, q, "[redacted]")
			}
		}
	}
	return []byte(out)
}

// writeScrubbed writes data to path, atomically, without secrets.
func writeScrubbed(path string, data []byte, secrets []string) error {
	return configedit.WriteAtomic(path, scrubBytes(data, secrets))
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
