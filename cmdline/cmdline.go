// Package cmdline is the machinery of a command line built on the standard
// flag package, kept apart from mailzone's commands: help generated from a
// command's own flag set (so it cannot drift from the flags that exist),
// "did you mean" suggestions for mistyped commands and flags, and shell
// completion scripts that ask the binary itself for candidates.
//
// mailzone keeps the standard flag package rather than a framework such as
// cobra so that every flag spelling users already have (-d and --domain,
// -out) keeps working; this package adds what such frameworks add.
package cmdline

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Doc is what help says about a command besides its flags.
type Doc struct {
	// Synopsis is the usage line, such as "mailzone plan [flags]".
	Synopsis string
	// About says what the command does, in one sentence.
	About string
	// Example is one command line that shows it in use.
	Example string
}

// WriteHelp prints a command's synopsis, what it does, every flag of fs with
// its default (sorted; one-letter flags with one dash, others with two), and
// an example. fs may be nil.
func WriteHelp(w io.Writer, d Doc, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n", d.Synopsis)
	if d.About != "" {
		fmt.Fprintf(w, "%s\n\n", d.About)
	}
	if fs != nil {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if len(names) > 0 {
			fmt.Fprintln(w, "Flags:")
			sort.Strings(names)
			for _, n := range names {
				f := fs.Lookup(n)
				arg, usage := flag.UnquoteUsage(f)
				line := "  " + Dashed(n)
				if arg != "" {
					line += " " + arg
				}
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" && f.DefValue != "0s" {
					usage += fmt.Sprintf(" (default %s)", f.DefValue)
				}
				fmt.Fprintf(w, "%-28s %s\n", line, usage)
			}
			fmt.Fprintln(w)
		}
	}
	if d.Example != "" {
		fmt.Fprintf(w, "Example:\n  %s\n", d.Example)
	}
}

// Dashed writes a flag name as users type it: -d, --domain.
func Dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// HelpError is a request for a command's help (-h, --help), with the flag
// set to describe. It wraps flag.ErrHelp.
type HelpError struct{ FlagSet *flag.FlagSet }

// Error is flag.ErrHelp's message.
func (HelpError) Error() string { return flag.ErrHelp.Error() }

// Unwrap returns flag.ErrHelp.
func (HelpError) Unwrap() error { return flag.ErrHelp }

// Parse parses flags interspersed with positional arguments, as users type
// `apply plan.json --yes`, and returns the positional ones ("--" ends the
// flags). fs must use flag.ContinueOnError; its own output is discarded. -h
// and --help become a HelpError; an unknown flag's error gains the nearest
// known flag ("did you mean --format?").
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, HelpError{fs}
			}
			return nil, FlagSuggestion(err, fs)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// Nearest returns the candidate closest to s by edit distance, when it is
// close enough to be a likely typo (at most 2), or one s is a prefix of.
func Nearest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := distance(s, c); d < bestD || (d == bestD && best == "") && d <= 2 {
			best, bestD = c, d
		}
	}
	if bestD > 2 || best == "" {
		if len(s) >= 2 {
			for _, c := range candidates {
				if strings.HasPrefix(c, s) {
					return c
				}
			}
		}
		return ""
	}
	return best
}

// distance is the Levenshtein distance of two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// FlagSuggestion adds "did you mean --x?" to an unknown-flag error of fs.
func FlagSuggestion(err error, fs *flag.FlagSet) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	if fs == nil || !strings.HasPrefix(msg, prefix) {
		return err
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if n := Nearest(name, names); n != "" {
		return fmt.Errorf("%s (did you mean %s?)", msg, Dashed(n))
	}
	return err
}
