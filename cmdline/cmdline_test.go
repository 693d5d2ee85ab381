package cmdline

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestNearest(t *testing.T) {
	cmds := []string{"plan", "apply", "verify", "lint", "show", "import", "onboard", "dkim", "dmarc", "report", "mta-sts"}
	for _, tt := range []struct{ in, want string }{
		{"pln", "plan"}, {"aply", "apply"}, {"verfy", "verify"}, {"dkmi", "dkim"}, {"mta", "mta-sts"},
		{"terraform", ""}, {"x", ""},
	} {
		if got := Nearest(tt.in, cmds); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	yes := fs.Bool("yes", false, "")
	format := fs.String("format", "text", "output format")
	pos, err := Parse(fs, []string{"plan.json", "--yes", "--format", "json", "--", "-weird"})
	if err != nil || !*yes || *format != "json" || strings.Join(pos, " ") != "plan.json -weird" {
		t.Fatalf("Parse: %v %v %q %q", err, *yes, *format, pos)
	}
	_, err = Parse(fs, []string{"--fromat", "json"})
	if err == nil || !strings.Contains(err.Error(), "did you mean --format?") {
		t.Errorf("unknown flag: %v", err)
	}
	_, err = Parse(fs, []string{"-h"})
	var h HelpError
	if !errors.As(err, &h) || h.FlagSet != fs || !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	var b bytes.Buffer
	WriteHelp(&b, Doc{Synopsis: "mailzone apply [flags] [PLANFILE]", Example: "mailzone apply plan.json"}, fs)
	for _, want := range []string{"Usage: mailzone apply", "--format string", "(default text)", "--yes", "Example:\n  mailzone apply plan.json"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, b.String())
		}
	}
}

func TestScript(t *testing.T) {
	for _, sh := range Shells {
		s, err := Script(sh, "mailzone")
		if err != nil || !strings.Contains(s, "mailzone __complete") || strings.Contains(s, "PROG") {
			t.Errorf("%s: %v\n%s", sh, err, s)
		}
	}
	if _, err := Script("tcsh", "mailzone"); err == nil {
		t.Error("tcsh: no error")
	}
}
