package zonefile

import (
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// This file reads the zone files people and generators usually write
// without miekg/dns's parser, which builds a dns.RR for every record only
// for Records to turn it into text again. A fleet plan reads ten thousand
// files, and that round trip was most of its time.
//
// fastSets accepts a strict subset of the master-file syntax: $ORIGIN and
// $TTL; owners in column one or carried from the record before; a TTL
// (with units, as "1h") and the class IN, in either order; the types A,
// AAAA, CNAME, MX, NS, PTR, SOA, SPF and TXT; comments; one level of
// parentheses. Anything else ($INCLUDE, $GENERATE, escapes, other classes
// and types, bytes outside printable ASCII, a malformed record, and the
// spellings where miekg/dns joins words or refuses what looks fine) makes
// it give up, and Records parses the file with miekg/dns as before. Where
// it does not give up, its result is the one the miekg path gives:
// FuzzFastSets checks that on every input it tries.

// fastToken is one word of an entry.
type fastToken struct {
	text   string
	quoted bool
}

// fastSets returns the RRsets of text, the zone file of origin (absolute),
// as Records returns them; ok is false where it gives up.
func fastSets(text, origin string) (sets []rrset.RRset, ok bool) {
	var (
		defTTL      uint32
		hasDef      bool // a $TTL, or a record with a TTL, was seen
		byDirective bool
		owner       string
		toks        = make([]fastToken, 0, 16)
		records     = make([]rrset.RRset, 0, 16)
		values      []string // every record's one value, in one array
	)
	for i := 0; i < len(text); {
		var ownerCol bool
		toks, ownerCol, i, ok = fastEntry(text, i, toks[:0])
		if !ok {
			return nil, false
		}
		if len(toks) == 0 {
			continue
		}
		k := 0
		if ownerCol {
			t := toks[0]
			if t.quoted {
				return nil, false
			}
			if strings.HasPrefix(t.text, "$") {
				if len(toks) != 2 || toks[1].quoted {
					return nil, false
				}
				switch strings.ToUpper(t.text) {
				case "$ORIGIN":
					if fastKeyword(toks[1].text) {
						return nil, false
					}
					if origin, ok = fastName(toks[1].text, origin); !ok {
						return nil, false
					}
				case "$TTL":
					if defTTL, ok = fastTTL(toks[1].text); !ok {
						return nil, false
					}
					hasDef, byDirective = true, true
				default:
					return nil, false
				}
				continue
			}
			if owner, ok = fastName(t.text, origin); !ok {
				return nil, false
			}
			k = 1
		} else if owner == "" {
			return nil, false
		}
		ttl, sawTTL, sawClass, typ := defTTL, false, false, ""
		for ; k < len(toks) && typ == ""; k++ {
			t := toks[k]
			switch {
			case t.quoted:
				return nil, false
			case t.text[0] >= '0' && t.text[0] <= '9':
				if sawTTL {
					return nil, false
				}
				if ttl, ok = fastTTL(t.text); !ok {
					return nil, false
				}
				sawTTL = true
				if !byDirective {
					defTTL, hasDef = ttl, true
				}
			case strings.EqualFold(t.text, "IN"):
				if sawClass {
					return nil, false
				}
				sawClass = true
			default:
				if typ = fastType(t.text); typ == "" {
					return nil, false
				}
			}
		}
		if typ == "" || (!sawTTL && !hasDef) {
			// Before any TTL miekg/dns gives 0, or refuses the record.
			return nil, false
		}
		v, ok := fastRdata(typ, toks[k:], origin)
		if !ok {
			return nil, false
		}
		// rrset.New for one value, its Values carved from one array.
		if len(values) == cap(values) {
			values = make([]string, 0, max(16, 2*cap(values)))
		}
		values = append(values, rrset.NormalizeValue(typ, v))
		n := len(values)
		records = append(records, rrset.RRset{Name: rrset.Absolute(owner, "."), Type: typ, TTL: ttl, Values: values[n-1 : n : n]})
	}
	return mergeSets(records), true
}

// fastEntry reads the entry (one line, or more inside parentheses) at
// text[i:] into toks. ownerCol says the entry starts in column one.
func fastEntry(text string, i int, toks []fastToken) (_ []fastToken, ownerCol bool, next int, ok bool) {
	if c := text[i]; c != ' ' && c != '\t' && c != '\n' && c != ';' {
		ownerCol = true
		if c == '(' || c == ')' || c == '"' {
			return nil, false, 0, false
		}
	}
	depth := 0
	comment := false // the byte before this one ends a comment
	for i < len(text) {
		c := text[i]
		wasComment := comment
		comment = false
		switch {
		case c == '\n' && depth == 0:
			return toks, ownerCol, i + 1, true
		case c == ' ' || c == '\t':
			i++
		case c == ';':
			// A comment glued to a word, or in column one inside
			// parentheses, trips miekg/dns's SOA parser.
			if i > 0 && text[i-1] != ' ' && text[i-1] != '\t' && (text[i-1] != '\n' || depth > 0) {
				return nil, false, 0, false
			}
			comment = true
			from := i
			for i < len(text) && text[i] != '\n' {
				if b := text[i]; b == '\r' || b == 0 {
					return nil, false, 0, false
				}
				i++
			}
			if i-from >= 500 {
				// miekg/dns's comment buffer grows by 512 bytes, and a ';'
				// at the edge of it is an error there.
				return nil, false, 0, false
			}
		case c == '(' || c == ')' || c == '\n':
			// Parentheses, and newlines inside them, do not end a word in
			// miekg/dns: it reads "a(b", "1\n2" and "0\n)0" as one word.
			// Leave a run of them between two words to it.
			before := i > 0 && !wasComment && fastWord(text[i-1])
			for ; i < len(text); i++ {
				if c = text[i]; c == '(' {
					depth++
				} else if c == ')' {
					depth--
				} else if c != '\n' || depth == 0 {
					break
				}
				if depth < 0 || depth > 1 {
					return nil, false, 0, false
				}
			}
			if before && i < len(text) && fastWord(text[i]) {
				return nil, false, 0, false
			}
		case c == '"':
			j := i + 1
			for j < len(text) && text[j] != '"' {
				if b := text[j]; b < 0x20 || b >= 0x7f || b == '\\' {
					return nil, false, 0, false
				}
				j++
			}
			if j == len(text) || (j+1 < len(text) && !fastEnds(text[j+1])) {
				return nil, false, 0, false
			}
			toks = append(toks, fastToken{text: text[i+1 : j], quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(text) && !fastEnds(text[j]) {
				if b := text[j]; b <= 0x20 || b >= 0x7f || b == '\\' || b == '"' {
					return nil, false, 0, false
				}
				j++
			}
			toks = append(toks, fastToken{text: text[i:j]})
			i = j
		}
	}
	if depth != 0 {
		return nil, false, 0, false
	}
	return toks, ownerCol, i, true
}

// fastWord reports whether c may be part of a word (or a quoted string).
func fastWord(c byte) bool { return c != ' ' && c != '\t' && c != '\n' && c != ';' }

// fastEnds reports whether c ends a word.
func fastEnds(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '(' || c == ')'
}

// fastType is the type t names, in upper case, among those fastSets reads.
func fastType(t string) string {
	for _, typ := range [...]string{"A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SPF", "TXT"} {
		if strings.EqualFold(t, typ) {
			return typ
		}
	}
	return ""
}

// fastKeyword reports whether miekg/dns's lexer takes t for a type or a
// class rather than a name.
func fastKeyword(t string) bool {
	u := strings.ToUpper(t)
	_, isType := dns.StringToType[u]
	_, isClass := dns.StringToClass[u]
	return isType || isClass || strings.HasPrefix(u, "TYPE") || strings.HasPrefix(u, "CLASS")
}

// fastUint parses a decimal number of at most bits bits.
func fastUint(s string, bits int) (uint32, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, bits)
	return uint32(n), err == nil
}

// fastTTL reads a TTL as miekg/dns does: seconds, or numbers with the units
// s, m, h, d and w ("1h30m"), at most 2^32-1 seconds in all.
func fastTTL(t string) (uint32, bool) {
	if t == "" || t[0] < '0' || t[0] > '9' {
		return 0, false
	}
	var sum, n uint64
	for i := 0; i < len(t); i++ {
		switch t[i] | 0x20 {
		case 's':
			sum, n = sum+n, 0
		case 'm':
			sum, n = sum+n*60, 0
		case 'h':
			sum, n = sum+n*3600, 0
		case 'd':
			sum, n = sum+n*86400, 0
		case 'w':
			sum, n = sum+n*604800, 0
		default:
			if t[i] < '0' || t[i] > '9' {
				return 0, false
			}
			n = n*10 + uint64(t[i]-'0')
		}
		if sum > math.MaxUint32 || n > math.MaxUint32 {
			return 0, false
		}
	}
	if sum+n > math.MaxUint32 {
		return 0, false
	}
	return uint32(sum + n), true
}

// fastName makes name absolute under origin as miekg/dns does, for names of
// letters, digits, '-', '_', '*' and dots only.
func fastName(name, origin string) (string, bool) {
	if name == "@" {
		return origin, true
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '*', c == '.':
		default:
			return "", false
		}
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return "", false
	}
	if strings.HasSuffix(name, ".") {
		// A copy, as for TXT text in fastRdata.
		return strings.Clone(name), true
	}
	if origin == "." {
		return name + origin, true
	}
	return name + "." + origin, true
}

// fastRdata is the value Records gives a record of typ with data toks.
func fastRdata(typ string, toks []fastToken, origin string) (string, bool) {
	if len(toks) == 0 {
		return "", false
	}
	if typ == "TXT" || typ == "SPF" {
		for _, t := range toks {
			if !t.quoted && fastKeyword(t.text) {
				return "", false // miekg/dns refuses a type or class name there
			}
		}
		if len(toks) == 1 {
			// A copy: a slice of text would keep the whole file alive as
			// long as the plan holds the record.
			return strings.Clone(toks[0].text), true
		}
		n := 0
		for _, t := range toks {
			n += len(t.text)
		}
		var b strings.Builder
		b.Grow(n)
		for _, t := range toks {
			b.WriteString(t.text)
		}
		return b.String(), true
	}
	for _, t := range toks {
		if t.quoted {
			return "", false
		}
	}
	switch typ {
	case "A", "AAAA":
		if len(toks) != 1 {
			return "", false
		}
		a, err := netip.ParseAddr(toks[0].text)
		if err != nil || a.Zone() != "" || a.Is4In6() || a.Is4() != (typ == "A") {
			return "", false
		}
		return a.String(), true
	case "CNAME", "NS", "PTR":
		if len(toks) != 1 {
			return "", false
		}
		return fastName(toks[0].text, origin)
	case "MX":
		if len(toks) != 2 {
			return "", false
		}
		pref, ok := fastUint(toks[0].text, 16)
		if !ok {
			return "", false
		}
		host, ok := fastName(toks[1].text, origin)
		return strconv.FormatUint(uint64(pref), 10) + " " + host, ok
	case "SOA":
		if len(toks) != 7 {
			return "", false
		}
		ns, ok1 := fastName(toks[0].text, origin)
		mbox, ok2 := fastName(toks[1].text, origin)
		if !ok1 || !ok2 {
			return "", false
		}
		b := make([]byte, 0, len(ns)+len(mbox)+60)
		b = append(append(append(b, ns...), ' '), mbox...)
		for i, t := range toks[2:] {
			n, ok := fastUint(t.text, 32) // the serial is a number
			if !ok && i > 0 {
				n, ok = fastTTL(t.text) // the others may have units
			}
			if !ok {
				return "", false
			}
			b = strconv.AppendUint(append(b, ' '), uint64(n), 10)
		}
		return string(b), true
	}
	return "", false
}
