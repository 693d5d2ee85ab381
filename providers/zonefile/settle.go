package zonefile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// bumpSerial raises the SOA serial, changing only the serial token.
func (z *zoneText) bumpSerial(next func(uint32) uint32) error {
	for i := range z.segs {
		s := &z.segs[i]
		if !s.live() {
			continue
		}
		soa, ok := s.rr.(*dns.SOA)
		if !ok {
			continue
		}
		at := s.typeTok + 3 // SOA mname rname serial
		if s.typeTok < 0 || at >= len(s.toks) {
			return &parseError{path: z.path, line: s.line, msg: "cannot find the SOA serial"}
		}
		t := s.toks[at]
		if t.quoted || s.text[t.start:t.end] != t.text || t.text != strconv.FormatUint(uint64(soa.Serial), 10) {
			return &parseError{path: z.path, line: s.line, msg: fmt.Sprintf("cannot update SOA serial %q: write it as a plain number", s.text[t.start:t.end])}
		}
		serial := next(soa.Serial)
		want := dns.Copy(soa).(*dns.SOA)
		want.Serial = serial
		z.replace(i, s.text[:t.start]+strconv.FormatUint(uint64(serial), 10)+s.text[t.end:])
		z.segs[i].want = want
		return nil
	}
	return nil // no SOA: a file without one is not a zone BIND would load, but it is not ours to fix
}

// render puts the file text back together.
func (z *zoneText) render() string {
	var b strings.Builder
	for _, s := range z.segs {
		if s.deleted {
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteString(z.nl)
		}
		b.WriteString(s.text)
	}
	return b.String()
}

// settle renders the edited file and parses it again, checking that every
// record the edits did not touch still reads exactly as before and every
// record written reads as intended. A record that took its owner name or TTL
// from the line before it (a blank owner, an omitted TTL without $TTL) can lose
// it when that line is removed or a line is inserted above it; settle writes the
// inherited value into that record explicitly. This is the one way a line of an
// unmanaged record can change.
func (z *zoneText) settle() (string, []dns.RR, error) {
	for round := 0; ; round++ {
		text := z.render()
		rrs, err := parseRecords(text, z.zone, z.path)
		if err != nil {
			return "", nil, fmt.Errorf("refusing to write a file that does not parse: %w", err)
		}
		var idx []int
		for i := range z.segs {
			if z.segs[i].live() {
				idx = append(idx, i)
			}
		}
		if len(idx) != len(rrs) {
			return "", nil, fmt.Errorf("refusing to write %s: expected %d records after the edit, it would hold %d", z.path, len(idx), len(rrs))
		}
		fixed := false
		for j, i := range idx {
			s, got := &z.segs[i], rrs[j]
			if s.added {
				if g := toSet(got); !g.Equal(s.set) {
					return "", nil, fmt.Errorf("refusing to write %s: the new record %s would read back as %s", z.path, s.set, g)
				}
				continue
			}
			if got.String() == s.want.String() {
				continue
			}
			gh, wh := got.Header(), s.want.Header()
			var prefix, ttl string
			if gh.Name != wh.Name && !s.owner {
				prefix = z.ownerText(wh.Name, s.origin)
			}
			if gh.Ttl != wh.Ttl && s.ttlTok < 0 {
				ttl = strconv.FormatUint(uint64(wh.Ttl), 10)
			}
			if round > len(idx) || (prefix == "" && ttl == "") {
				return "", nil, fmt.Errorf("refusing to write %s: the edit would change the record on line %d from %s to %s", z.path, s.line, s.want, got)
			}
			switch {
			case prefix != "" && ttl != "":
				z.replace(i, prefix+"\t"+ttl+s.text)
			case prefix != "":
				z.replace(i, prefix+s.text)
			case s.owner:
				end := s.toks[0].end
				z.replace(i, s.text[:end]+" "+ttl+s.text[end:])
			default:
				start := s.toks[0].start
				z.replace(i, s.text[:start]+ttl+" "+s.text[start:])
			}
			// Records after this one may inherit from it: look again.
			fixed = true
			break
		}
		if !fixed {
			return text, rrs, nil
		}
	}
}

// check verifies that the records in rrs hold what the edits asked for: for the
// last edit of each name and type, every value of New and Keep is there and no
// value that only Old held remains.
func check(rrs []dns.RR, edits []rrset.Edit) error {
	var sets []rrset.RRset
	for _, rr := range rrs {
		sets = append(sets, toSet(rr))
	}
	have := rrset.Index(sets)
	last := map[rrset.Key]rrset.Edit{}
	var keys []rrset.Key
	for _, e := range edits {
		k := e.Key()
		k = rrset.Key{Name: rrset.Absolute(k.Name, "."), Type: strings.ToUpper(k.Type)}
		if _, ok := last[k]; !ok {
			keys = append(keys, k)
		}
		last[k] = e
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		e := last[k]
		got := map[string]bool{}
		for _, v := range have[k].Values {
			got[v] = true
		}
		norm := func(s rrset.RRset) []string { return rrset.New(".", k.Name, k.Type, 0, s.Values...).Values }
		want := map[string]bool{}
		for _, v := range append(norm(e.New), norm(e.Keep)...) {
			want[v] = true
			if !got[v] {
				return fmt.Errorf("refusing to write: %s would lack %q", k, v)
			}
		}
		for _, v := range norm(e.Old) {
			if !want[v] && got[v] {
				return fmt.Errorf("refusing to write: %s would still hold %q", k, v)
			}
		}
	}
	return nil
}

// sameValues reports whether cur holds exactly the values of a and b together.
func sameValues(cur, a, b map[string]bool) bool {
	for v := range cur {
		if !a[v] && !b[v] {
			return false
		}
	}
	for v := range a {
		if !cur[v] {
			return false
		}
	}
	for v := range b {
		if !cur[v] {
			return false
		}
	}
	return true
}

// trailingComment returns the comment at the end of a one-line record
// segment (from ";" to the end of the line), or "".
func trailingComment(s segment) string {
	if len(s.toks) == 0 || strings.Count(strings.TrimRight(s.text, "\r\n"), "\n") > 0 {
		return ""
	}
	rest := s.text[s.toks[len(s.toks)-1].end:]
	i := strings.IndexByte(rest, ';')
	if i < 0 {
		return ""
	}
	return strings.TrimRight(rest[i:], "\r\n")
}
