// Package escape renders untrusted text (anything from mailzone.yaml, a zone,
// or a provider's answer) for each place mailzone writes it. The configuration
// is written by whoever opens a pull request, so each sink has exactly one
// function here, and every writer of that sink goes through it:
//
//   - [Terminal]: plain text for a terminal or a CI log. Control characters
//     are shown escaped, so a value cannot start a new line, move the
//     cursor, or change colors.
//   - [Annotation] and [Property]: the message and the properties of a GitHub
//     workflow command (::error file=...::message).
//   - [Code], [Text] and [Block]: markdown for a pull-request comment or a
//     step summary: an inline code span that no value can close, text with
//     HTML and markdown syntax escaped and @mentions defused, and a fenced
//     block.
//
// JSON needs nothing here (encoding/json escapes every string, HTML
// characters included) and DNS values are validated where they are read.
package escape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with every control character, invalid UTF-8 byte and
// bidirectional override shown as a Go escape (\n, \x1b, \u202e), and
// backslashes left as they are. Printable text, including non-ASCII letters,
// is unchanged.
func Terminal(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i]), 16))
		case r == '\t':
			b.WriteByte('\t')
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c >= 0x7f {
			return false
		}
	}
	return true
}

// unsafeRune reports runes that change how a terminal shows what follows.
func unsafeRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls
	case r == 0x2028 || r == 0x2029 || r == 0x85:
		return true // line and paragraph separators
	}
	return false
}

// Short quotes at most about 100 bytes of a value for messages: a 50 MB
// string from a configuration must not become a 50 MB error.
func Short(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	cut := 80
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// Annotation escapes the message of a GitHub workflow command: %, CR and LF,
// so the message stays on the command's line.
func Annotation(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// Property escapes a property value of a workflow command (file=, title=):
// the message escapes plus ":" and ",", which end a property.
func Property(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// CommandLine reports whether a line of output would be taken by the GitHub
// Actions runner as a workflow command: it starts with "::" once leading
// white space (any Unicode space, CR included) is trimmed, as the runner
// trims it.
func CommandLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::")
}
