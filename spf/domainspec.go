package spf

import (
	"fmt"
	"net/netip"
	"strings"
)

// checkDomainSpec checks a domain-spec (RFC 7208 section 7.1):
//
//	domain-spec = macro-string domain-end
//	domain-end  = ( "." toplabel [ "." ] ) / macro-expand
//
// The macro letters c, r and t are allowed only in explanation text, never
// in a domain-spec (section 7.1/8). It returns "" when s is valid.
func checkDomainSpec(s string) string {
	if m := checkMacroString(s, false); m != "" {
		return m
	}
	if endsInMacro(s) {
		return ""
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return fmt.Sprintf("%q is an IP address, not a domain; list it with ip4: or ip6:", s)
	}
	d := strings.TrimSuffix(s, ".")
	i := strings.LastIndexByte(d, '.')
	if i < 0 || !isTopLabel(d[i+1:]) {
		return fmt.Sprintf(`domain %q must end in a top-level label such as ".com" or in a macro`, s)
	}
	return ""
}

// endsInMacro reports whether a valid macro-string ends in a macro-expand.
func endsInMacro(s string) bool {
	last := false
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			last = false
			continue
		}
		last = true
		if s[i+1] == '{' {
			i += strings.IndexByte(s[i:], '}')
		} else {
			i++
		}
	}
	return last
}

// isTopLabel implements
//
//	toplabel = ( *alphanum ALPHA *alphanum ) /
//	           ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
func isTopLabel(l string) bool {
	if l == "" {
		return false
	}
	alpha := false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case isAlpha(c):
			alpha = true
		case isDigit(c):
		case c == '-':
			if i == 0 || i == len(l)-1 {
				return false
			}
			alpha = true // the second alternative allows all-digit labels with a dash
		default:
			return false
		}
	}
	return alpha
}

// checkMacroString checks a macro-string (RFC 7208 section 7.1):
//
//	macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
//	               / "%%" / "%_" / "%-"
//	transformers = *DIGIT [ "r" ]
//	delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
//
// explain allows the letters c, r and t, which only explanation text and
// unknown modifiers may use. The caller has checked that s is visible ASCII.
func checkMacroString(s string, explain bool) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+1 == len(s) {
			return `"%" must be followed by "{", "%", "_" or "-"; write "%%" for a literal percent sign`
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return `"%" must be followed by "{", "%", "_" or "-"; write "%%" for a literal percent sign`
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return fmt.Sprintf("macro %q is not closed with \"}\"", s[i:])
		}
		if m := checkMacro(s[i:i+end+1], explain); m != "" {
			return m
		}
		i += end
	}
	return ""
}

// checkMacro checks one "%{...}" expression.
func checkMacro(m string, explain bool) string {
	body := m[2 : len(m)-1]
	if body == "" {
		return fmt.Sprintf("macro %q has no letter; use one of s, l, o, d, i, p, h, v", m)
	}
	switch c := body[0] | 0x20; c {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !explain {
			return fmt.Sprintf("macro %q: the letter %q is allowed only in explanation text; use one of s, l, o, d, i, p, h, v", m, string(body[0]))
		}
	default:
		return fmt.Sprintf("macro %q uses the unknown letter %q; use one of s, l, o, d, i, p, h, v", m, string(body[0]))
	}
	rest := body[1:]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n > 0 && strings.Trim(rest[:n], "0") == "" {
		return fmt.Sprintf("macro %q keeps zero labels; the number must be at least 1", m)
	}
	rest = rest[n:]
	if rest != "" && rest[0]|0x20 == 'r' {
		rest = rest[1:]
	}
	if strings.Trim(rest, ".-+,/_=") != "" {
		return fmt.Sprintf(`macro %q: after the letter come only digits, "r" and the delimiters . - + , / _ =`, m)
	}
	return ""
}
