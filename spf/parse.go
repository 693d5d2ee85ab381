package spf

import (
	"fmt"
	"net/netip"
	"strings"
)

// Record is a parsed SPF record: the terms after "v=spf1", in order.
type Record struct {
	Terms []Term
}

// Term is one mechanism or modifier of a record.
type Term struct {
	// Qualifier is '+', '-', '~' or '?' for a mechanism ('+' when none is
	// written) and 0 for a modifier.
	Qualifier byte
	// Mechanism is the lower-case mechanism name ("all", "include", "a",
	// "mx", "ptr", "ip4", "ip6", "exists"), or "" for a modifier.
	Mechanism string
	// Modifier is the lower-case modifier name ("redirect", "exp" or any
	// other name), or "" for a mechanism.
	Modifier string
	// Value is what follows the name and its ":" or "=" separator, as
	// written: a domain-spec, an address with prefix length, a dual CIDR
	// length such as "/24//64", or a modifier's value.
	Value string
	// Text is the term as written in the record.
	Text string
}

// String returns the record in canonical form: "v=spf1" followed by the
// terms as written, separated by single spaces.
func (r *Record) String() string {
	var b strings.Builder
	b.WriteString(version)
	for _, t := range r.Terms {
		b.WriteByte(' ')
		b.WriteString(t.Text)
	}
	return b.String()
}

// DNSLookups counts the terms of the record itself that cause DNS queries
// (include, a, mx, ptr, exists and redirect). Lookups made by included
// records are not counted; that needs DNS.
func (r *Record) DNSLookups() int {
	n := 0
	for _, t := range r.Terms {
		if t.queriesDNS() {
			n++
		}
	}
	return n
}

func (t Term) queriesDNS() bool {
	switch t.Mechanism {
	case "include", "a", "mx", "ptr", "exists":
		return true
	}
	return t.Modifier == "redirect"
}

const version = "v=spf1"

// Parse parses an SPF record with the grammar of RFC 7208 section 4.6.1 and
// 12. It returns the first syntax error as a Problem naming the term.
// Parse checks syntax only; Check applies mailzone's policy.
func Parse(text string) (*Record, error) {
	r, problems := parse(text)
	if len(problems) > 0 {
		return nil, problems[0]
	}
	return r, nil
}

// parse parses text and reports every syntax problem, one per bad term.
func parse(text string) (*Record, []Problem) {
	if len(text) < len(version) || !strings.EqualFold(text[:len(version)], version) ||
		(len(text) > len(version) && text[len(version)] != ' ') {
		return nil, []Problem{errorf("", `not an SPF record: it must start with "v=spf1" followed by a space`)}
	}
	r := &Record{}
	var problems []Problem
	for _, s := range strings.Split(text[len(version):], " ") {
		if s == "" {
			continue
		}
		t, msg := parseTerm(s)
		if msg != "" {
			problems = append(problems, errorf(s, "%s", msg))
			continue
		}
		r.Terms = append(r.Terms, t)
	}
	return r, problems
}

// parseTerm parses one term; msg says what is wrong with it.
func parseTerm(s string) (t Term, msg string) {
	t.Text = s
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			kind := "control character"
			if c >= 0x80 {
				kind = "non-ASCII byte"
			}
			return t, fmt.Sprintf("holds a %s (0x%02x); SPF terms are visible ASCII separated by spaces", kind, c)
		}
	}
	rest := s
	if strings.IndexByte("+-~?", rest[0]) >= 0 {
		t.Qualifier = rest[0]
		rest = rest[1:]
	}
	name := rest[:nameLen(rest)]
	if len(name) < len(rest) && rest[len(name)] == '=' {
		if t.Qualifier != 0 {
			return t, "a modifier takes no qualifier; remove the leading " + string(t.Qualifier)
		}
		return parseModifier(t, name, rest[len(name)+1:])
	}
	if t.Qualifier == 0 {
		t.Qualifier = '+'
	}
	mech := rest[:alnumLen(rest)]
	lower := strings.ToLower(mech)
	switch lower {
	case "all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists":
	case "redirect", "exp":
		return t, fmt.Sprintf("%s is a modifier; write %s=domain", lower, lower)
	default:
		if name == "" {
			if rest == "" {
				return t, "a qualifier must be followed by a mechanism"
			}
			return t, "a term must start with a mechanism or a modifier name"
		}
		return t, fmt.Sprintf("unknown mechanism %q; use all, include, a, mx, ptr, ip4, ip6, exists or a name=value modifier", name)
	}
	t.Mechanism = lower
	rest = rest[len(mech):]
	switch lower {
	case "all":
		if rest != "" {
			return t, `"all" takes no argument`
		}
	case "include", "exists":
		if !strings.HasPrefix(rest, ":") {
			return t, fmt.Sprintf(`%s needs ":" and a domain, as in %s:_spf.example.com`, lower, lower)
		}
		t.Value = rest[1:]
		if t.Value == "" {
			return t, lower + " has an empty domain"
		}
		if m := checkDomainSpec(t.Value); m != "" {
			return t, m
		}
	case "ptr":
		if rest == "" {
			break
		}
		if !strings.HasPrefix(rest, ":") {
			return t, `ptr takes only an optional ":" and domain`
		}
		t.Value = rest[1:]
		if t.Value == "" {
			return t, "ptr has an empty domain"
		}
		if m := checkDomainSpec(t.Value); m != "" {
			return t, m
		}
	case "a", "mx":
		return parseAMX(t, rest)
	case "ip4", "ip6":
		return parseIP(t, rest)
	}
	return t, ""
}

func parseModifier(t Term, name, value string) (Term, string) {
	if name == "" {
		return t, "a modifier needs a name before \"=\""
	}
	if !isAlpha(name[0]) {
		return t, fmt.Sprintf("modifier name %q must start with a letter", name)
	}
	t.Modifier = strings.ToLower(name)
	t.Value = value
	switch t.Modifier {
	case "redirect", "exp":
		if value == "" {
			return t, t.Modifier + " needs a domain"
		}
		if m := checkDomainSpec(value); m != "" {
			return t, m
		}
	default:
		if m := checkMacroString(value, true); m != "" {
			return t, m
		}
	}
	return t, ""
}

func parseAMX(t Term, rest string) (Term, string) {
	if rest == "" {
		return t, ""
	}
	if rest[0] != ':' && rest[0] != '/' {
		return t, fmt.Sprintf(`%s takes an optional ":" and domain and an optional prefix length`, t.Mechanism)
	}
	t.Value = rest
	if rest[0] == ':' {
		t.Value = rest[1:]
	}
	domain, cidr := splitDualCIDR(t.Value)
	if rest[0] == ':' {
		if domain == "" {
			return t, t.Mechanism + " has an empty domain"
		}
		if m := checkDomainSpec(domain); m != "" {
			return t, m
		}
	} else if domain != "" {
		return t, fmt.Sprintf("%q is not a valid prefix length; write /n for IPv4, //n for IPv6, or /n//m", rest)
	}
	if ip4, ip6, ok := strings.Cut(cidr, "//"); ok {
		if m := checkPrefixLen("IPv6", ip6, 128); m != "" {
			return t, m
		}
		cidr = ip4
	}
	if cidr != "" {
		if m := checkPrefixLen("IPv4", cidr[1:], 32); m != "" {
			return t, m
		}
	}
	return t, ""
}

// splitDualCIDR splits "domain/24//64" into "domain" and "/24//64". The
// domain-spec may itself contain "/", so only a trailing run of
// [/digits][//digits] counts as the dual-cidr-length.
func splitDualCIDR(v string) (domain, cidr string) {
	end := len(v)
	if i := strings.LastIndex(v[:end], "//"); i >= 0 && allDigits(v[i+2:end]) {
		end = i
	}
	if i := strings.LastIndexByte(v[:end], '/'); i >= 0 && allDigits(v[i+1:end]) && (i == 0 || v[i-1] != '/') {
		end = i
	}
	return v[:end], v[end:]
}

func parseIP(t Term, rest string) (Term, string) {
	family, max := "IPv4", 32
	if t.Mechanism == "ip6" {
		family, max = "IPv6", 128
	}
	if !strings.HasPrefix(rest, ":") || len(rest) == 1 {
		example := "ip4:192.0.2.0/24"
		if t.Mechanism == "ip6" {
			example = "ip6:2001:db8::/32"
		}
		return t, fmt.Sprintf(`%s needs ":" and an address, as in %s`, t.Mechanism, example)
	}
	t.Value = rest[1:]
	addr, prefix, hasPrefix := strings.Cut(t.Value, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Zone() != "" || (max == 32) != ip.Is4() {
		return t, fmt.Sprintf("%q is not an %s address", addr, family)
	}
	if hasPrefix {
		if !allDigits(prefix) {
			return t, fmt.Sprintf("%s prefix length %q must be a number 0-%d", t.Mechanism, prefix, max)
		}
		if m := checkPrefixLen(t.Mechanism, prefix, max); m != "" {
			return t, m
		}
	}
	return t, ""
}

// checkPrefixLen checks a prefix length of 1*DIGIT without leading zeros.
func checkPrefixLen(what, digits string, max int) string {
	if digits == "" || !allDigits(digits) {
		return fmt.Sprintf("%s prefix length %q must be a number 0-%d", what, digits, max)
	}
	if len(digits) > 1 && digits[0] == '0' {
		return fmt.Sprintf("%s prefix length %q has a leading zero", what, digits)
	}
	if len(digits) > 3 || atoi(digits) > max {
		return fmt.Sprintf("%s prefix length must be 0-%d", what, max)
	}
	return ""
}

func nameLen(s string) int {
	i := 0
	for i < len(s) && (isAlpha(s[i]) || isDigit(s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.') {
		i++
	}
	return i
}

func alnumLen(s string) int {
	i := 0
	for i < len(s) && (isAlpha(s[i]) || isDigit(s[i])) {
		i++
	}
	return i
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts at most a few digits; callers bound the length.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
