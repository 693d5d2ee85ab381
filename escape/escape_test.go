package escape

import (
	"strings"
	"testing"
)

func TestTerminal(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"contoso.com", "contoso.com"},
		{"files\n::add-mask::x\n::stop-commands::pwned", `files\n::add-mask::x\n::stop-commands::pwned`},
		{"a\r\nb", `a\r\nb`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"tab\tkept", "tab\tkept"},
		{"münchen.de", "münchen.de"},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"line\u2028sep", `line\u2028sep`},
		{`back\slash`, `back\slash`},
	} {
		if got := Terminal(tt.in); got != tt.want {
			t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWorkflowCommands(t *testing.T) {
	if got := Annotation("50% done\n::stop-commands::x\r"); got != "50%25 done%0A::stop-commands::x%0D" {
		t.Errorf("Annotation = %q", got)
	}
	if got := Property("zones/a,b:c.zone\n"); got != "zones/a%2Cb%3Ac.zone%0A" {
		t.Errorf("Property = %q", got)
	}
	for line, want := range map[string]bool{
		"::error::x": true, "  ::warning::x": true, "\r::set-output name=x::y": true, "\u00a0::x": true,
		"a::b": false, ": :x": false, `\::x`: false, "": false,
	} {
		if CommandLine(line) != want {
			t.Errorf("CommandLine(%q) = %v", line, !want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"contoso.com", "`contoso.com`"},
		{"a|`b", "`` a\\|`b ``"},
		{"x``y", "``` x``y ```"},
		{"`lead", "`` `lead ``"},
		{"```", "```` ``` ````"},
		{"", "` `"},
		{"two\nlines", "`two\\nlines`"},
		{"<!-- mailzone-plan -->", "`<!-- mailzone-plan -->`"},
	} {
		if got := Code(tt.in); got != tt.want {
			t.Errorf("Code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"contoso.com", `contoso.com`},
		{"</details><img src=https://t.example/p.gif>", "&lt;/details&gt;&lt;img src=https:\u2060//t.example/p.gif&gt;"},
		{"see www.evil.example", "see www\u2060.evil.example"},
		{"**bold** _it_ ~~s~~ a|b", `\*\*bold\*\* \_it\_ \~\~s\~\~ a\|b`},
		{"ping @octocat and @github/security", "ping @\u2060octocat and @\u2060github/security"},
		{"[click](https://evil.example)", "\\[click\\](https:\u2060//evil.example)"},
		{"<!-- mailzone-plan -->", `&lt;!-- mailzone-plan --&gt;`},
		{"a\nb", "a\\\\nb"},
	} {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Block("diff", "a ```` b"); !strings.HasPrefix(got, "`````diff\n") || !strings.HasSuffix(got, "\n`````\n") {
		t.Errorf("Block = %q", got)
	}
	doc := "<!-- m -->\nx <!-- m --> y"
	if got := Neutralize(doc, "<!-- m -->"); got != "<!-- m -->\nx &lt;!-- m --> y" {
		t.Errorf("Neutralize = %q", got)
	}
	if got := Short(strings.Repeat("a", 50<<20)); len(got) > 120 || !strings.HasSuffix(got, "(52428800 bytes)") {
		t.Errorf("Short = %q", got)
	}
}
