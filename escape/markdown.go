package escape

import (
	"strings"
)

// Code renders s as an inline markdown code span that nothing in s can close:
// the fence is one backtick longer than the longest run of backticks in s
// (CommonMark §6.1), with spaces inside so a leading or trailing backtick
// stays content. Line breaks and control characters are shown escaped, and
// "|" is escaped so the span is safe in a table cell. Inside a code span,
// HTML and @mentions are inert.
func Code(s string) string {
	s = strings.ReplaceAll(Terminal(s), "\t", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || len(fence) > 1 {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// Text renders s as inert markdown text on one line: HTML is escaped (so no
// comment, tag or marker can open), the punctuation that makes links, images,
// emphasis, code spans and table cells is backslash-escaped, bare URLs are
// kept from becoming links, and "@" is followed by a word joiner so
// @mentions never notify anyone. It is for inline use, never at the start of
// a line.
func Text(s string) string {
	s = strings.Join(strings.Fields(Terminal(s)), " ")
	s = noAutolink.Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '@':
			b.WriteString("@\u2060")
		case '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Block renders body as a fenced code block whose fence no line of body can
// close, with info as the language tag.
func Block(info, body string) string {
	fence := strings.Repeat("`", max(3, longestRun(body, '`')+1))
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return fence + info + "\n" + body + fence + "\n"
}

// Neutralize takes a whole rendered markdown document and breaks every
// occurrence of marker that is not at the very start, so that a value
// rendered into it can never produce a second marker, even where an escape
// was missed.
func Neutralize(doc, marker string) string {
	if marker == "" {
		return doc
	}
	head, rest := "", doc
	if strings.HasPrefix(doc, marker) {
		head, rest = marker, doc[len(marker):]
	}
	return head + strings.ReplaceAll(rest, marker, strings.Replace(marker, "<!--", "&lt;!--", 1))
}

// noAutolink breaks what GitHub's autolink extension turns into links.
var noAutolink = strings.NewReplacer("://", ":\u2060//", "www.", "www\u2060.", "WWW.", "WWW\u2060.")

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// Live returns md without what CommonMark shows literally, fenced code
// blocks and inline code spans: what is left is what a renderer may turn
// into HTML, links or mentions. Tests and checks use it to prove that a
// rendered value stayed inert.
func Live(md string) string {
	var out strings.Builder
	fence := ""
	for _, line := range strings.SplitAfter(md, "\n") {
		t := strings.TrimSpace(line)
		if fence != "" {
			if t == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") {
			fence = strings.TrimRight(t, "abcdefghijklmnopqrstuvwxyz")
			continue
		}
		// Drop code spans: a run of n backticks up to the next run of exactly n.
		for i := 0; i < len(line); {
			if line[i] == '\\' && i+1 < len(line) {
				out.WriteString(line[i : i+2])
				i += 2
				continue
			}
			if line[i] != '`' {
				out.WriteByte(line[i])
				i++
				continue
			}
			n := 0
			for i+n < len(line) && line[i+n] == '`' {
				n++
			}
			run := strings.Repeat("`", n)
			end := -1
			for j := i + n; j < len(line); {
				k := strings.Index(line[j:], run)
				if k < 0 {
					break
				}
				k += j
				if (k+n == len(line) || line[k+n] != '`') && (k == 0 || line[k-1] != '`') {
					end = k
					break
				}
				j = k + 1
				for j < len(line) && line[j] == '`' {
					j++
				}
			}
			if end < 0 {
				out.WriteString(run)
				i += n
				continue
			}
			i = end + n
		}
	}
	return out.String()
}
