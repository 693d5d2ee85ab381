package zonefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/miekg/dns"
)

// Zone files from real repositories share records through $INCLUDE (name
// servers, a common SPF include host). mailzone reads included files, so plans
// see every record, but it edits only the zone file itself: a managed record
// that lives in an included file is refused with a message saying where it is.
// An included path is taken relative to the zone directory and may not leave
// it (no "..", no absolute path, no symbolic link out), since a pull request
// could otherwise point a zone at any file on the runner.

// maxIncludeDepth bounds nested $INCLUDE files.
const maxIncludeDepth = 5

// bom is the UTF-8 byte order mark some editors write at the start of a file.
const bom = "\ufeff"

// included is a record read from an $INCLUDE file.
type included struct {
	rr   dns.RR
	file string // as named in messages
	line int
}

// maskIncludes turns every $INCLUDE line of text into a comment of the same
// length, so miekg/dns (which refuses $INCLUDE) parses the rest with the same
// line numbers; the included files are read by readIncludes.
func maskIncludes(text string) string {
	if !hasInclude(text) {
		return text
	}
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if len(l) >= 8 && strings.EqualFold(l[:8], "$INCLUDE") {
			lines[i] = ";" + l[1:]
		}
	}
	return strings.Join(lines, "")
}

// hasInclude reports whether text holds an $INCLUDE directive, in any case,
// without copying it: most zone files have none, and this runs for every
// zone of a fleet.
func hasInclude(text string) bool {
	for i := strings.IndexByte(text, '$'); i >= 0; {
		if len(text)-i >= 8 && strings.EqualFold(text[i:i+8], "$INCLUDE") {
			return true
		}
		j := strings.IndexByte(text[i+1:], '$')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// readIncludes reads the records of every $INCLUDE directive in segs, with the
// origin and default TTL in effect there (or the directive's own origin).
func readIncludes(dir string, segs []segment, zone, shown string, depth int) ([]included, error) {
	if len(segs) == 0 {
		return nil, nil
	}
	var out []included
	ttl := ""
	for _, s := range segs {
		if s.kind != directive {
			continue
		}
		switch strings.ToUpper(s.toks[0].text) {
		case "$TTL":
			if len(s.toks) > 1 {
				ttl = s.toks[1].text
			}
		case "$INCLUDE":
			if len(s.toks) < 2 {
				return nil, &parseError{path: shown, line: s.line, msg: "$INCLUDE needs a file name"}
			}
			if depth >= maxIncludeDepth {
				return nil, &parseError{path: shown, line: s.line, msg: fmt.Sprintf("$INCLUDE nested more than %d deep", maxIncludeDepth)}
			}
			origin := s.origin
			if len(s.toks) > 2 {
				origin = absName(s.toks[2].text, s.origin)
			}
			rel := s.toks[1].text
			disk, err := insideDir(dir, rel)
			if err != nil {
				return nil, &parseError{path: shown, line: s.line, msg: "$INCLUDE " + rel + ": " + err.Error()}
			}
			data, err := os.ReadFile(disk)
			if err != nil {
				return nil, &parseError{path: shown, line: s.line, msg: "$INCLUDE " + rel + ": " + strings.TrimPrefix(err.Error(), "open "+disk+": ")}
			}
			name := filepath.Join(filepath.Dir(shown), rel)
			text := strings.TrimPrefix(string(data), bom)
			head := "$ORIGIN " + origin + "\n"
			if ttl != "" {
				head += "$TTL " + ttl + "\n"
			}
			rrs, err := parseRecords(head+maskIncludes(text), origin, name)
			if err != nil {
				return nil, fmt.Errorf("%w (included from %s:%d)", shiftLines(err, -strings.Count(head, "\n")), shown, s.line)
			}
			lines := recordLines(text)
			for i, rr := range rrs {
				l := 0
				if i < len(lines) {
					l = lines[i]
				}
				out = append(out, included{rr: rr, file: name, line: l})
			}
			nested, err := readIncludes(dir, split(text, 1), origin, name, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		}
	}
	return out, nil
}

// recordLines returns the first line of each record segment of text.
func recordLines(text string) []int {
	var out []int
	for _, s := range split(text, 1) {
		if s.kind == record && s.typeTok >= 0 {
			out = append(out, s.line)
		}
	}
	return out
}

// shiftLines moves the line of a parse error by d.
func shiftLines(err error, d int) error {
	if pe, ok := err.(*parseError); ok && pe.line > 0 {
		c := *pe
		c.line += d
		return &c
	}
	return err
}

// insideDir resolves rel against dir and checks that it stays inside.
func insideDir(dir, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("an absolute path; name a file inside the zone directory")
	}
	p := filepath.Join(dir, rel)
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("no such file in the zone directory")
	}
	if r, err := filepath.Rel(root, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("outside the zone directory; mailzone reads included files only from there")
	}
	st, err := os.Stat(real)
	if err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	return real, nil
}
