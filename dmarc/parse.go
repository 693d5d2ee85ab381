package dmarc

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Record is a parsed DMARC record.
type Record struct {
	// Tags in the order written. Names are lower case; values are trimmed,
	// and the keyword values of known tags are lower case.
	Tags []Tag
}

// Tag is one name=value pair of a record.
type Tag struct {
	Name, Value string
}

// Get returns the value of the named tag (any case) and whether it is present.
func (r *Record) Get(name string) (string, bool) {
	for _, t := range r.Tags {
		if strings.EqualFold(t.Name, name) {
			return t.Value, true
		}
	}
	return "", false
}

// String returns the record in canonical form, "v=DMARC1; p=reject; ...",
// with the tags in the order parsed.
func (r *Record) String() string {
	parts := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		parts[i] = t.Name + "=" + t.Value
	}
	return strings.Join(parts, "; ")
}

const wsp = " \t\r\n"

// Parse parses a DMARC record and returns every problem at once. The record
// holds the tags that could be read; it is never nil.
//
// Tag names are case-insensitive; values are trimmed; a trailing ";" is
// allowed. v must come first and be exactly "DMARC1"; p is required.
// Unknown tags are warnings, since receivers ignore them; pct, rf and ri
// are warnings because RFC 9989 removed them.
func Parse(text string) (*Record, []Problem) {
	r := &Record{}
	var problems []Problem
	if strings.Trim(text, wsp+";") == "" {
		return r, []Problem{errorf("", `record is empty; start it with "v=DMARC1"`)}
	}
	parts := strings.Split(text, ";")
	seen := map[string]bool{}
	for i, part := range parts {
		spec := strings.Trim(part, wsp)
		if spec == "" {
			if i < len(parts)-1 {
				problems = append(problems, warnf("", `empty tag between ";" separators; remove the extra ";"`))
			}
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			problems = append(problems, errorf(spec, `has no "="; write name=value`))
			continue
		}
		name, value = strings.Trim(name, wsp), strings.Trim(value, wsp)
		if !validName(name) {
			problems = append(problems, errorf(spec, `tag name %q is not valid; use letters, digits and "_", starting with a letter`, name))
			continue
		}
		name = strings.ToLower(name)
		if seen[name] {
			problems = append(problems, errorf(spec, "%s appears more than once; keep one", name))
			continue
		}
		seen[name] = true
		if len(r.Tags) == 0 && name != "v" {
			problems = append(problems, errorf("", `record must start with "v=DMARC1"`))
		}
		if name == "v" && len(r.Tags) > 0 {
			problems = append(problems, errorf(spec, `v=DMARC1 must be the first tag`))
		}
		value, ps := checkTag(spec, name, value)
		problems = append(problems, ps...)
		r.Tags = append(r.Tags, Tag{Name: name, Value: value})
	}
	if len(r.Tags) > 0 && !seen["p"] {
		problems = append(problems, errorf("", "p is required; add p=none, p=quarantine or p=reject"))
	}
	return r, problems
}

// ParsePublished parses a record as receivers read one found in DNS, which
// is more lenient than what mailzone publishes (see [Parse]): a record
// without p but with a valid rua is read as p=none (RFC 9989 §4.7), with a
// warning; without either, it is a warning that receivers ignore the record.
// The returned record then holds p=none right after v.
func ParsePublished(text string) (*Record, []Problem) {
	r, problems := Parse(text)
	if _, ok := r.Get("p"); ok || len(r.Tags) == 0 {
		return r, problems
	}
	out := problems[:0:0]
	for _, p := range problems {
		if !strings.HasPrefix(p.Msg, "p is required") {
			out = append(out, p)
		}
	}
	rua, _ := r.Get("rua")
	validRUA := rua != "" && len(checkURIs("", "rua", rua)) == 0
	if !validRUA {
		return r, append(out, warnf("", "no p and no valid rua: receivers ignore this record (RFC 9989 §4.7); add p=none, p=quarantine or p=reject"))
	}
	tags := append([]Tag{r.Tags[0], {Name: "p", Value: "none"}}, r.Tags[1:]...)
	r.Tags = tags
	return r, append(out, warnf("", "no p: with a valid rua, receivers read this record as p=none (RFC 9989 §4.7); write p=none"))
}

// checkTag checks one value and returns it, with keywords in lower case.
func checkTag(spec, name, value string) (string, []Problem) {
	bad := func(format string, args ...any) (string, []Problem) {
		return value, []Problem{errorf(spec, format, args...)}
	}
	lower := strings.ToLower(value)
	switch name {
	case "v":
		if value != "DMARC1" {
			return bad(`version must be exactly "DMARC1"`)
		}
	case "p", "sp", "np":
		if !oneOf(lower, "none", "quarantine", "reject") {
			return bad("%s must be none, quarantine or reject", name)
		}
		return lower, nil
	case "adkim", "aspf":
		if !oneOf(lower, "r", "s") {
			return bad("%s must be r (relaxed) or s (strict)", name)
		}
		return lower, nil
	case "t":
		if !oneOf(lower, "y", "n") {
			return bad("t must be y (testing) or n")
		}
		return lower, nil
	case "psd":
		if !oneOf(lower, "y", "n", "u") {
			return bad("psd must be y, n or u")
		}
		return lower, nil
	case "fo":
		for _, o := range strings.Split(lower, ":") {
			if !oneOf(strings.Trim(o, wsp), "0", "1", "d", "s") {
				return bad(`fo must be 0, 1, d or s, or several of them joined with ":"`)
			}
		}
		return lower, nil
	case "rua", "ruf":
		return value, checkURIs(spec, name, value)
	// pct, rf and ri were removed by RFC 9989: receivers ignore them, so even
	// a bad value is a warning, not an error.
	case "pct":
		if n, err := strconv.ParseUint(value, 10, 8); err != nil || n > 100 {
			return value, []Problem{warnf(spec, "pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy")}
		}
		return value, []Problem{warnf(spec, "pct was removed in RFC 9989; use t=y while testing a policy, and remove pct")}
	case "rf":
		for _, f := range strings.Split(lower, ":") {
			if strings.Trim(f, wsp) != "afrf" {
				return value, []Problem{warnf(spec, "rf was removed in RFC 9989 and receivers ignore it (its value here is not afrf either); remove it")}
			}
		}
		return lower, []Problem{warnf(spec, "rf was removed in RFC 9989; remove it")}
	case "ri":
		if _, err := strconv.ParseUint(value, 10, 32); err != nil {
			return value, []Problem{warnf(spec, "ri was removed in RFC 9989 and receivers ignore it (its value here is not a whole number of seconds either); remove it")}
		}
		return value, []Problem{warnf(spec, "ri was removed in RFC 9989; remove it")}
	default:
		return value, []Problem{warnf(spec, "unknown tag %q is ignored by receivers; remove it", name)}
	}
	return value, nil
}

// checkURIs checks a comma-separated list of report URIs (RFC 7489 section
// 6.4): each a mailto: URI with an optional "!size" limit.
func checkURIs(spec, name, value string) []Problem {
	if value == "" {
		return []Problem{errorf(spec, "%s needs one or more mailto: URIs; give them or remove the tag", name)}
	}
	var problems []Problem
	for _, u := range strings.Split(value, ",") {
		if msg := checkURI(name, strings.Trim(u, wsp)); msg != "" {
			problems = append(problems, errorf(spec, "%s", msg))
		}
	}
	return problems
}

func checkURI(name, u string) string {
	if u == "" {
		return fmt.Sprintf(`%s has an empty URI; remove the extra ","`, name)
	}
	uri := u
	if i := strings.LastIndexByte(u, '!'); i >= 0 {
		uri = u[:i]
		if !validSize(u[i+1:]) {
			return fmt.Sprintf(`size limit %q in %q must be digits with an optional unit k, m, g or t`, u[i:], u)
		}
	}
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || !validScheme(scheme) {
		if strings.Contains(uri, "@") {
			return fmt.Sprintf("%q needs the mailto: scheme; write mailto:%s", u, uri)
		}
		return fmt.Sprintf("%q is not a URI; write mailto:reports@example.com", u)
	}
	if !strings.EqualFold(scheme, "mailto") {
		return fmt.Sprintf("%q uses the %s: scheme; DMARC reports are sent only to mailto: URIs", u, scheme)
	}
	addr, err := url.PathUnescape(rest)
	if err != nil || !validAddress(addr) {
		return fmt.Sprintf("%q is not a valid mailto: URI; write mailto:name@example.com", u)
	}
	return ""
}

func validSize(s string) bool {
	if s != "" && strings.IndexByte("kmgtKMGT", s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validScheme implements scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// validAddress accepts a bare addr-spec whose domain is a host name.
func validAddress(addr string) bool {
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return false
	}
	return validHost(addr[strings.LastIndexByte(addr, '@')+1:])
}

// validHost accepts LDH host names of two or more labels.
func validHost(h string) bool {
	labels := strings.Split(h, ".")
	if len(h) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

// validName implements tag-name = ALPHA *ALNUMPUNC (RFC 6376 section 3.2).
func validName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
