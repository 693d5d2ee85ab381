package zonefile

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// zoneText is a zone file cut into segments, with the parsed record of each
// record segment. Edits mark segments deleted and insert new ones; render puts
// the text back together, so every segment not touched keeps its exact bytes.
type zoneText struct {
	path string // for messages, as configured ("zones/example.com.zone")
	zone string // absolute, lower case
	nl   string // line ending of the file: "\n" or "\r\n"
	segs []segment
	// includes are the records of $INCLUDE files: read, never edited.
	includes []included
}

// parseError is a syntax error in a zone file, reported as file:line: message.
type parseError struct {
	path string
	line int
	msg  string
	err  error
}

func (e *parseError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.path, e.line, e.msg)
	}
	return e.path + ": " + e.msg
}

func (e *parseError) Unwrap() error { return e.err }

// miekgPos matches the tail of a *dns.ParseError message.
var miekgPos = regexp.MustCompile(`^(?:dns: )?(.*) at line: (\d+):(\d+)$`)

// wrapParseError turns miekg's `dns: bad A A: "x" at line: 3:12` into
// `zones/example.com.zone:3: bad A A: "x"`.
func wrapParseError(path string, err error) error {
	m := miekgPos.FindStringSubmatch(err.Error())
	if m == nil {
		return &parseError{path: path, msg: strings.TrimPrefix(err.Error(), "dns: "), err: err}
	}
	line, _ := strconv.Atoi(m[2])
	msg := m[1]
	// The lexer reports some errors as the token text, after a message about
	// whatever it was parsing: `bad TXT Txt: "unbalanced brace"`.
	switch {
	case strings.HasSuffix(msg, `"unbalanced brace"`):
		msg = "unbalanced parentheses: a ( is never closed"
	case strings.HasSuffix(msg, `"extra closing brace"`):
		msg = "unbalanced parentheses: a ) closes nothing"
	}
	return &parseError{path: path, line: line, msg: msg, err: err}
}

// parseRecords parses text as the zone file of zone with miekg/dns.
// $INCLUDE lines are skipped here; readIncludes reads those files.
func parseRecords(text, zone, path string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(strings.NewReader(maskIncludes(text)), zone, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		return nil, wrapParseError(path, err)
	}
	return rrs, nil
}

// toSet converts one parsed record to its normalized one-value RRset. It is the
// only place the zonefile provider turns miekg/dns types into rrset values.
func toSet(rr dns.RR) rrset.RRset {
	h := rr.Header()
	var v string
	switch r := rr.(type) {
	case *dns.TXT:
		v = joinTXT(r.Txt)
	case *dns.SPF:
		v = joinTXT(r.Txt)
	case *dns.MX:
		v = strconv.Itoa(int(r.Preference)) + " " + r.Mx
	case *dns.CNAME:
		v = r.Target
	case *dns.NS:
		v = r.Ns
	case *dns.PTR:
		v = r.Ptr
	default:
		v = strings.TrimPrefix(rr.String(), h.String())
	}
	return rrset.New(".", h.Name, dns.Type(h.Rrtype).String(), h.Ttl, v)
}

// joinTXT turns the character-strings of a parsed TXT record (miekg keeps them
// with their zone-file escapes) into the logical text.
func joinTXT(parts []string) string {
	escaped := false
	for _, p := range parts {
		escaped = escaped || strings.IndexByte(p, '\\') >= 0
	}
	if !escaped {
		// No escapes: the text is the strings one after the other.
		return strings.Join(parts, "")
	}
	quoted := make([]string, len(parts))
	for i, p := range parts {
		quoted[i] = `"` + p + `"`
	}
	return rrset.JoinTXT(strings.Join(quoted, " "))
}

// load parses text and cuts it into segments, pairing each record segment with
// the record miekg/dns parsed from it.
func load(text, zone, path string) (*zoneText, error) {
	rrs, err := parseRecords(text, zone, path)
	if err != nil {
		return nil, err
	}
	z := &zoneText{path: path, zone: zone, nl: "\n", segs: split(text, 1)}
	if strings.Contains(text, "\r\n") {
		z.nl = "\r\n"
	}
	origin, n := zone, 0
	for i := range z.segs {
		s := &z.segs[i]
		switch s.kind {
		case directive:
			switch strings.ToUpper(s.toks[0].text) {
			case "$ORIGIN":
				if len(s.toks) > 1 {
					origin = absName(s.toks[1].text, origin)
				}
			case "$GENERATE":
				return nil, &parseError{path: path, line: s.line, msg: s.toks[0].text + " is not supported by the zonefile provider"}
			}
		case record:
			if s.typeTok < 0 {
				// Words without a record type parse to nothing when they end
				// the file (miekg/dns stops there without an error): not a record.
				s.kind = gap
				break
			}
			if n >= len(rrs) {
				return nil, &parseError{path: path, line: s.line, msg: "cannot tell which record these lines hold; please simplify the syntax"}
			}
			rr := rrs[n]
			n++
			if t, _ := typeOf(s.toks[s.typeTok].text); t != rr.Header().Rrtype {
				return nil, &parseError{path: path, line: s.line, msg: fmt.Sprintf("cannot tell which record these lines hold (read %s, parsed %s); please simplify the syntax",
					strings.ToUpper(s.toks[s.typeTok].text), dns.Type(rr.Header().Rrtype))}
			}
			s.rr, s.want, s.set = rr, rr, toSet(rr)
		}
		s.origin = origin
	}
	if n != len(rrs) {
		return nil, &parseError{path: path, msg: fmt.Sprintf("read %d records but found %d on separate lines; please simplify the syntax", len(rrs), n)}
	}
	return z, nil
}

// live reports whether s is a record still in the file.
func (s *segment) live() bool { return s.kind == record && !s.deleted }

// edit applies one edit to the segments. It reports whether anything changed.
func (z *zoneText) edit(e rrset.Edit) (bool, error) {
	key := e.Key()
	name, typ := rrset.Absolute(key.Name, "."), strings.ToUpper(key.Type)
	if name != z.zone && !strings.HasSuffix(name, "."+z.zone) {
		return false, fmt.Errorf("%s is outside zone %s", key, z.zone)
	}
	if typ == "SOA" {
		return false, errors.New("the SOA record is kept by the zonefile provider itself")
	}
	inSet := func(s rrset.RRset) map[string]bool {
		m := make(map[string]bool, len(s.Values))
		for _, v := range rrset.New(".", name, typ, 0, s.Values...).Values {
			m[v] = true
		}
		return m
	}
	oldV, newV, keepV := inSet(e.Old), inSet(e.New), inSet(e.Keep)
	// Compare and swap: the file must hold what the edit was computed from
	// (Old and Keep), or already its result (New and Keep). Anything else means
	// another apply wrote here since the zone was read; writing now would mix
	// the two, such as two SPF records.
	cur := map[string]bool{}
	for i := range z.segs {
		if s := &z.segs[i]; s.live() && s.set.Name == name && s.set.Type == typ {
			cur[s.set.Values[0]] = true
		}
	}
	for _, inc := range z.includes {
		set := toSet(inc.rr)
		if set.Name != name || set.Type != typ {
			continue
		}
		if v := set.Values[0]; !keepV[v] || (!e.New.Empty() && inc.rr.Header().Ttl != e.New.TTL) {
			return false, fmt.Errorf("the record is in the included file %s (line %d), and mailzone edits only the zone file itself; move that record into %s, or edit %s by hand", inc.file, inc.line, z.path, inc.file)
		}
		cur[set.Values[0]] = true
	}
	if !sameValues(cur, oldV, keepV) && !sameValues(cur, newV, keepV) {
		return false, fmt.Errorf("changed since the zone was read (another apply?); nothing was written: run plan again")
	}
	ttl := e.New.TTL
	if e.New.Empty() {
		ttl = e.Keep.TTL
	}

	changed := false
	first := -1 // the first segment removed: new values go in its place
	present := map[string]bool{}
	for i := range z.segs {
		s := &z.segs[i]
		if !s.live() || s.set.Name != name || s.set.Type != typ {
			continue
		}
		v := s.set.Values[0]
		remove := false
		switch {
		case keepV[v]:
		case newV[v]:
			remove = s.set.TTL != ttl // rewritten in place with the new TTL
		case oldV[v]:
			remove = true
		}
		if !remove {
			present[v] = true
			continue
		}
		s.deleted, changed = true, true
		if first < 0 {
			first = i
		}
	}

	var write []string
	for _, vals := range [][]string{e.New.Values, e.Keep.Values} {
		for _, v := range rrset.New(".", name, typ, 0, vals...).Values {
			if !present[v] {
				present[v] = true
				write = append(write, v)
			}
		}
	}
	if len(write) == 0 {
		return changed, nil
	}

	// Where the new lines go: in place of the first removed line, else after the
	// last record with the same owner, else at the end of the file.
	at, origin := len(z.segs), z.zone
	if len(z.segs) > 0 {
		origin = z.segs[len(z.segs)-1].origin
	}
	if first >= 0 {
		at, origin = first+1, z.segs[first].origin
	} else {
		for i := len(z.segs) - 1; i >= 0; i-- {
			if s := &z.segs[i]; s.live() && s.set.Name == name {
				at, origin = i+1, s.origin
				break
			}
		}
	}
	comment := ""
	if first >= 0 {
		comment = trailingComment(z.segs[first])
	}
	for _, v := range write {
		set := rrset.New(".", name, typ, ttl, v)
		seg := z.newRecord(set, origin)
		if comment != "" {
			// A comment at the end of a rewritten line stays with it.
			seg = relex(strings.TrimRight(seg.text, "\r\n") + " " + comment + z.nl)
			seg.origin, seg.set, seg.added = origin, set, true
			comment = ""
		}
		z.segs = append(z.segs[:at], append([]segment{seg}, z.segs[at:]...)...)
		at++
	}
	return true, nil
}

// newRecord builds the segment for one record written by mailzone, in the tidy
// form `name<TAB>ttl<TAB>IN<TAB>TYPE<TAB>rdata`. The name is relative when the
// origin in effect is the zone, absolute otherwise.
func (z *zoneText) newRecord(set rrset.RRset, origin string) segment {
	rdata := set.Values[0]
	if set.Type == "TXT" || set.Type == "SPF" {
		rdata = rrset.QuoteTXT(rdata)
	}
	line := z.ownerText(set.Name, origin) + "\t" + strconv.FormatUint(uint64(set.TTL), 10) + "\tIN\t" + set.Type + "\t" + rdata + z.nl
	seg := relex(line)
	seg.origin, seg.set, seg.added = origin, set, true
	return seg
}

// ownerText writes name as an owner field where origin is in effect.
// The letter case of name is kept.
func (z *zoneText) ownerText(name, origin string) string {
	if origin != z.zone {
		return name
	}
	l := strings.ToLower(name)
	switch {
	case l == z.zone:
		return "@"
	case strings.HasSuffix(l, "."+z.zone):
		return name[:len(name)-len(z.zone)-1]
	}
	return name
}

// relex cuts the text of one segment again after it was changed.
func relex(text string) segment {
	segs := split(text, 0)
	if len(segs) != 1 {
		// The caller's text is one record line; anything else fails the
		// re-parse check before the file is written.
		return segment{text: text, kind: record, ttlTok: -1, typeTok: -1}
	}
	return segs[0]
}

// replace swaps the text of segment i, keeping what it is known to hold.
func (z *zoneText) replace(i int, text string) {
	old := z.segs[i]
	s := relex(text)
	s.line, s.origin = old.line, old.origin
	s.rr, s.want, s.set, s.added = old.rr, old.want, old.set, old.added
	z.segs[i] = s
}
