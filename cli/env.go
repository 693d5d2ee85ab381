// Package cli is the mailzone command line: it parses each command's flags
// into the options of a session operation (package session), prints help
// generated from the flag sets, and returns the operation's exit code. It
// holds no logic of its own beyond that, so every command can be run
// in-process by tests with their own streams and environment.
package cli

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/mailzone/mailzone/session"
)

// Env is what a command may touch of the world: streams and environment.
type Env = session.Env

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
