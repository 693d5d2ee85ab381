package zonefile

import (
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// This file cuts zone-file text into segments: whole lines that hold one record,
// one directive, or nothing but blanks and comments. miekg/dns parses the records
// but does not say which lines each came from, so the cutting here follows the
// rules of its lexer (quotes, escapes, comments, parentheses, the owner column)
// closely enough that the n-th record segment is the n-th record it returns; the
// loader checks that the two agree before anything is edited.

// segKind says what a segment holds.
type segKind int

const (
	gap       segKind = iota // blank lines, comments, parentheses with nothing in them
	directive                // $ORIGIN, $TTL, $INCLUDE, $GENERATE
	record                   // one resource record
)

// token is one word of a segment as the lexer sees it.
type token struct {
	text       string // the word, with parentheses dropped and quotes removed
	start, end int    // byte offsets in the segment text: first byte, after last byte
	quoted     bool
}

// segment is a run of whole lines of the file.
type segment struct {
	text string // the exact bytes, including the final newline if there is one
	line int    // number of the first line in the file it was read from; 0 if added
	kind segKind
	toks []token
	// owner says the first token is the owner name; a record without one takes
	// the owner of the record before it.
	owner bool
	// ttlTok and typeTok index toks: the TTL (-1 when the record omits it and
	// takes the default) and the record type.
	ttlTok, typeTok int
	// origin is the $ORIGIN in effect for this segment, absolute and lower case;
	// for an $ORIGIN directive, the origin it sets.
	origin string

	// Records only:
	rr      dns.RR      // as parsed from the file
	want    dns.RR      // what the segment must parse to after an edit
	set     rrset.RRset // rr normalized, one value
	added   bool        // written by this apply
	deleted bool        // removed by this apply
}

// split cuts text into segments. firstLine is the number of the first line.
func split(text string, firstLine int) []segment {
	var (
		segs   []segment
		cur    = segment{line: firstLine}
		start  = 0 // offset of cur in text
		line   = firstLine
		brace  int
		quote  bool
		commt  bool
		escape bool
		// ownerPos is true until the first blank of the entry: a word that
		// starts in column one and ends in a blank is the owner name.
		ownerPos = true
		tok      strings.Builder
		tokStart = -1
	)
	add := func(i int, c byte) {
		if tokStart < 0 {
			tokStart = i
		}
		tok.WriteByte(c)
	}
	endTok := func(end int, quoted bool) bool {
		if tokStart < 0 {
			return false
		}
		cur.toks = append(cur.toks, token{text: tok.String(), start: tokStart - start, end: end - start, quoted: quoted})
		tok.Reset()
		tokStart = -1
		return true
	}
	finish := func(end int) {
		cur.text = text[start:end]
		cur.kind = classify(&cur)
		segs = append(segs, cur)
		start = end
		cur = segment{line: line}
		brace, ownerPos = 0, true
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if commt {
			if c != '\n' {
				continue
			}
			commt = false
		}
		if quote {
			switch {
			case escape:
				escape = false
				tok.WriteByte(c)
			case c == '\\':
				escape = true
				tok.WriteByte(c)
			case c == '"':
				quote = false
				endTok(i+1, true)
			default:
				tok.WriteByte(c)
			}
			if c == '\n' {
				line++
			}
			continue
		}
		switch c {
		case ' ', '\t':
			if escape {
				escape = false
				add(i, c)
				break
			}
			if ownerPos && len(cur.toks) == 0 && endTok(i, false) {
				cur.owner = true
			} else {
				endTok(i, false)
			}
			ownerPos = false
		case ';':
			if escape {
				escape = false
				add(i, c)
				break
			}
			endTok(i, false)
			commt = true
		case '\r':
			escape = false
		case '\n':
			escape = false
			endTok(i, false)
			line++
			if brace == 0 {
				finish(i + 1)
			}
		case '\\':
			add(i, c)
			escape = !escape
		case '"':
			if escape {
				escape = false
				add(i, c)
				break
			}
			endTok(i, false)
			quote = true
			tokStart = i
		case '(', ')':
			if escape {
				escape = false
				add(i, c)
				break
			}
			if c == '(' {
				brace++
			} else if brace > 0 {
				brace--
			}
		default:
			escape = false
			add(i, c)
		}
	}
	if start < len(text) {
		endTok(len(text), quote)
		finish(len(text))
	}
	return segs
}

// classify sets the header indexes of a segment and says what it holds.
func classify(s *segment) segKind {
	s.ttlTok, s.typeTok = -1, -1
	if len(s.toks) == 0 {
		return gap
	}
	if s.owner && strings.HasPrefix(s.toks[0].text, "$") {
		switch strings.ToUpper(s.toks[0].text) {
		case "$ORIGIN", "$TTL", "$INCLUDE", "$GENERATE":
			return directive
		}
	}
	i := 0
	if s.owner {
		i = 1
	}
	for ; i < len(s.toks); i++ {
		t := s.toks[i]
		if t.quoted {
			break
		}
		if _, ok := classOf(t.text); ok {
			continue
		}
		if _, ok := typeOf(t.text); ok {
			s.typeTok = i
			break
		}
		s.ttlTok = i
	}
	return record
}

// typeOf returns the record type a word names, as the lexer reads it.
func typeOf(w string) (uint16, bool) {
	u := strings.ToUpper(w)
	if t, ok := dns.StringToType[u]; ok {
		return t, true
	}
	if strings.HasPrefix(u, "TYPE") {
		n, err := strconv.ParseUint(u[4:], 10, 16)
		return uint16(n), err == nil
	}
	return 0, false
}

// classOf returns the class a word names, as the lexer reads it.
func classOf(w string) (uint16, bool) {
	u := strings.ToUpper(w)
	if c, ok := dns.StringToClass[u]; ok {
		return c, true
	}
	if strings.HasPrefix(u, "CLASS") {
		n, err := strconv.ParseUint(u[5:], 10, 16)
		return uint16(n), err == nil
	}
	return 0, false
}

// absName resolves a name written in the file against origin, as $ORIGIN does.
func absName(name, origin string) string {
	switch {
	case name == "@":
		return origin
	case strings.HasSuffix(name, ".") && !strings.HasSuffix(name, `\.`):
		return strings.ToLower(name)
	case origin == ".":
		return strings.ToLower(name) + "."
	default:
		return strings.ToLower(name) + "." + origin
	}
}
