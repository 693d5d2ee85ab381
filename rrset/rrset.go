// Package rrset holds the one value type that crosses every stage of mailzone: a
// resource record set in normalized form, and an edit of one.
//
// Providers disagree on how they spell the same record: quoting, 255-byte splits of
// TXT strings, relative or absolute names, letter case. Everything that reads a zone
// converts to RRset here, in one place, so that comparing desired and observed state is
// a plain string comparison and a provider quirk never shows up as a perpetual diff.
package rrset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// RRset is every record at one owner name and type.
//
// Name is absolute, lower case, with a trailing dot. Type is upper case ("MX").
// Values hold the record data in normalized presentation form (see [NormalizeValue]):
// for TXT the logical text with character-strings joined and no quoting or escapes,
// for MX "preference host.", for CNAME "target.". Values are sorted and unique.
type RRset struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	TTL    uint32   `json:"ttl"`
	Values []string `json:"values"`
	// ValueTTLs is set by providers where the TTL belongs to each record, not
	// to the set (Cloudflare): the TTL of each value. TTL is then the lowest.
	// Where it is nil, every value has TTL, as DNS itself has it.
	ValueTTLs map[string]uint32 `json:"value_ttls,omitempty"`
}

// TTLOf returns the TTL of the records among values: the lowest of their
// own TTLs where the provider keeps one per record, else the set's TTL.
func (s RRset) TTLOf(values []string) uint32 {
	if s.ValueTTLs == nil {
		return s.TTL
	}
	var ttl uint32
	for i, v := range values {
		t, ok := s.ValueTTLs[v]
		if !ok {
			t = s.TTL
		}
		if i == 0 || t < ttl {
			ttl = t
		}
	}
	return ttl
}

// Key identifies an RRset: owner name and type.
type Key struct {
	Name string
	Type string
}

// String renders the key as "name TYPE".
func (k Key) String() string { return k.Name + " " + k.Type }

// Key returns the set's name and type.
func (s RRset) Key() Key { return Key{s.Name, s.Type} }

// Empty reports whether the set holds no records.
func (s RRset) Empty() bool { return len(s.Values) == 0 }

// Equal reports whether two sets hold the same records with the same TTL.
func (s RRset) Equal(o RRset) bool {
	return s.Name == o.Name && s.Type == o.Type && s.TTL == o.TTL && slices.Equal(s.Values, o.Values)
}

// String renders the set as zone-file-like lines, one per value, for messages.
func (s RRset) String() string {
	var b strings.Builder
	for i, v := range s.Values {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s %d %s %s", s.Name, s.TTL, s.Type, v)
	}
	return b.String()
}

// New builds a normalized set. Name may be relative to zone ("@", "_dmarc") or
// absolute. Values are normalized, sorted and deduplicated.
func New(zone, name, typ string, ttl uint32, values ...string) RRset {
	s := RRset{Name: Absolute(name, zone), Type: strings.ToUpper(typ), TTL: ttl}
	for _, v := range values {
		s.Values = append(s.Values, NormalizeValue(s.Type, v))
	}
	sort.Strings(s.Values)
	s.Values = slices.Compact(s.Values)
	return s
}

// Absolute returns name as an absolute, lower-case domain name with a trailing dot.
// A name that is already absolute (ends in ".") is kept; "@" and "" mean the zone
// apex; anything else is taken as relative to zone.
func Absolute(name, zone string) string {
	zone = strings.ToLower(strings.TrimSuffix(zone, ".")) + "."
	name = strings.ToLower(name)
	switch {
	case name == "@" || name == "":
		return zone
	case strings.HasSuffix(name, "."):
		return name
	case zone == ".":
		return name + "."
	default:
		return name + "." + zone
	}
}

// Relative returns the absolute name relative to zone ("@" for the apex). A name
// outside the zone is returned absolute.
func Relative(name, zone string) string {
	name = Absolute(name, zone)
	zone = Absolute(zone, ".")
	if name == zone {
		return "@"
	}
	if strings.HasSuffix(name, "."+zone) {
		return strings.TrimSuffix(name, "."+zone)
	}
	return name
}

// NormalizeValue puts record data into the canonical form used for comparison.
// TXT data is taken as already unquoted logical text (see [JoinTXT] for data in
// zone-file form); names inside MX and CNAME are made absolute and lower case.
func NormalizeValue(typ, v string) string {
	switch strings.ToUpper(typ) {
	case "TXT":
		return v
	case "MX":
		if canonicalMX(v) {
			return v
		}
		f := strings.Fields(v)
		if len(f) != 2 {
			return strings.TrimSpace(v)
		}
		pref, err := strconv.ParseUint(f[0], 10, 16)
		if err != nil {
			return strings.TrimSpace(v)
		}
		return strconv.FormatUint(pref, 10) + " " + Absolute(f[1], ".")
	case "CNAME", "NS", "PTR":
		return Absolute(strings.TrimSpace(v), ".")
	default:
		if singleSpaced(v) {
			return v
		}
		return strings.Join(strings.Fields(v), " ")
	}
}

// singleSpaced reports whether v's words are already separated by single
// spaces, with none before or after: what strings.Fields and a join give.
func singleSpaced(v string) bool {
	if v == "" || v[0] == ' ' || v[len(v)-1] == ' ' {
		return v == ""
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == ' ' && v[i+1] == ' ':
			return false
		case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c >= 0x80:
			return false
		}
	}
	return true
}

// canonicalMX reports whether v is an MX value as NormalizeValue writes it:
// a preference without leading zeros, one space, and an absolute lower-case
// host. Most values are, and are kept without being taken apart.
func canonicalMX(v string) bool {
	sp := strings.IndexByte(v, ' ')
	if sp < 1 || sp > 5 || (v[0] == '0' && sp > 1) || !strings.HasSuffix(v, ".") {
		return false
	}
	pref := 0
	for i := 0; i < sp; i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
		pref = pref*10 + int(v[i]-'0')
	}
	if pref > 65535 {
		return false
	}
	for i := sp + 1; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// JoinTXT turns TXT data in zone-file form (one or more quoted character-strings,
// with \" \\ and \DDD escapes) into the logical text. Data without any quote is
// returned unchanged, since libdns providers hand over TXT text unquoted.
func JoinTXT(data string) string {
	if t := strings.TrimSpace(data); strings.HasPrefix(t, `"`) {
		data = t
	} else {
		// Unquoted text is the logical text itself: its spaces are part of
		// it (" v=spf1 -all" is not an SPF record, RFC 7208 §4.5).
		return data
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			in = !in
		case c == '\\' && i+1 < len(data):
			if i+3 < len(data) && isDigit(data[i+1]) && isDigit(data[i+2]) && isDigit(data[i+3]) {
				n, _ := strconv.Atoi(data[i+1 : i+4])
				b.WriteByte(byte(n))
				i += 3
			} else {
				i++
				b.WriteByte(data[i])
			}
		case in:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// SplitTXT cuts logical TXT text into character-strings of at most 255 bytes, the
// form DNS carries. Cuts never fall inside a multi-byte UTF-8 sequence.
func SplitTXT(text string) []string {
	if text == "" {
		return []string{""}
	}
	var out []string
	for len(text) > 255 {
		cut := 255
		for cut > 0 && text[cut]&0xC0 == 0x80 {
			cut--
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return append(out, text)
}

// QuoteTXT renders logical TXT text in zone-file form: 255-byte character-strings,
// each quoted, with quotes, backslashes and non-printable bytes escaped.
func QuoteTXT(text string) string {
	parts := SplitTXT(text)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for j := 0; j < len(p); j++ {
			c := p[j]
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c >= 0x7f:
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// Fingerprint is a short stable hash of sets, used by saved plans to detect that a
// zone changed between plan and apply. The order of sets does not matter; an
// absent set is represented by an RRset with no values.
func Fingerprint(sets ...RRset) string {
	lines := make([]string, 0, len(sets))
	for _, s := range sets {
		// The bytes of fmt.Sprintf("%s %s %d %q", Name, Type, TTL, Values),
		// built without fmt: this runs on every RRset a plan reads.
		b := make([]byte, 0, 64+len(s.Name))
		b = append(b, s.Name...)
		b = append(b, ' ')
		b = append(b, s.Type...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(s.TTL), 10)
		b = append(b, " ["...)
		for i, v := range s.Values {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendQuote(b, v)
		}
		b = append(b, ']')
		if s.ValueTTLs != nil {
			// A record's own TTL changed (in a dashboard) is a change too:
			// fmt.Sprint of the TTLs, as []uint32.
			b = append(b, '[')
			for i, v := range s.Values {
				if i > 0 {
					b = append(b, ' ')
				}
				b = strconv.AppendUint(b, uint64(s.ValueTTLs[v]), 10)
			}
			b = append(b, ']')
		}
		lines = append(lines, string(b))
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:12])
}

// Index maps sets by key. When sets repeat a key, their values are merged.
func Index(sets []RRset) map[Key]RRset {
	m := make(map[Key]RRset, len(sets))
	for _, s := range sets {
		if prev, ok := m[s.Key()]; ok {
			s = mergeInto(prev, s)
		}
		m[s.Key()] = s
	}
	return m
}

// Merge merges sets that share one key into one RRset, as Index merges
// them; sets must not be empty.
func Merge(sets []RRset) RRset {
	out := sets[0]
	for _, s := range sets[1:] {
		out = mergeInto(out, s)
	}
	return out
}

// mergeInto adds the records of s, which has prev's key, to prev, as Index
// merges them.
func mergeInto(prev, s RRset) RRset {
	// Clipped and cloned: the sets handed in are not changed.
	prev.Values = append(slices.Clip(prev.Values), s.Values...)
	sort.Strings(prev.Values)
	prev.Values = slices.Compact(prev.Values)
	if s.ValueTTLs != nil {
		if prev.ValueTTLs == nil {
			prev.ValueTTLs = map[string]uint32{}
		} else {
			prev.ValueTTLs = maps.Clone(prev.ValueTTLs)
		}
		for v, t := range s.ValueTTLs {
			prev.ValueTTLs[v] = t
		}
		prev.TTL = min(prev.TTL, s.TTL)
	}
	return prev
}

// Find returns the RRset at key among sets, merged as Index merges the sets
// that share a key. For the handful of sets at one domain's names it is
// cheaper than building an Index.
func Find(sets []RRset, key Key) (RRset, bool) {
	var out RRset
	found := false
	for _, s := range sets {
		if s.Name != key.Name || s.Type != key.Type {
			continue
		}
		if found {
			out = mergeInto(out, s)
		} else {
			out, found = s, true
		}
	}
	return out, found
}

// MarshalJSON writes an empty set's values as [] rather than null, so the saved
// plan's shape does not depend on emptiness.
func (s RRset) MarshalJSON() ([]byte, error) {
	type plain RRset
	if s.Values == nil {
		s.Values = []string{}
	}
	return json.Marshal(plain(s))
}
