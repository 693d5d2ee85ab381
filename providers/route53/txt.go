package route53

import (
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/rrset"
)

// Route 53 spells TXT data as quoted character-strings of at most 255 bytes,
// with \" and \\ escaped and every byte outside printable ASCII written as a
// backslash and three OCTAL digits ("exämple" is "ex\303\244mple"). Zone files
// (RFC 1035) use three DECIMAL digits instead, which is what rrset.QuoteTXT and
// rrset.JoinTXT speak, so this adapter has its own pair. The 255-byte cuts come
// from rrset.SplitTXT, so they match every other provider.

// quoteTXT renders logical TXT text as a Route 53 ResourceRecord value.
func quoteTXT(text string) string {
	var b strings.Builder
	for i, part := range rrset.SplitTXT(text) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for j := 0; j < len(part); j++ {
			c := part[j]
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20 || c >= 0x7f:
				fmt.Fprintf(&b, "\\%03o", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// unquoteTXT joins the character-strings of a Route 53 TXT value into the
// logical text. A value with no quotes is returned as it is.
func unquoteTXT(v string) string {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, `"`) {
		return v
	}
	var b strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			in = !in
		case c == '\\' && i+1 < len(v):
			if o, ok := octal(v, i+1); ok {
				b.WriteByte(o)
				i += 3
			} else {
				i++
				b.WriteByte(v[i])
			}
		case in:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// octal decodes three octal digits at s[i:] that fit a byte.
func octal(s string, i int) (byte, bool) {
	if i+3 > len(s) {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s[i : i+3]) {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n*8 + int(c-'0')
	}
	if n > 255 {
		return 0, false
	}
	return byte(n), true
}

// decodeName undoes the octal escapes Route 53 uses in names it returns, such
// as \052 for the "*" of a wildcard.
func decodeName(n string) string {
	if !strings.Contains(n, `\`) {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if n[i] == '\\' {
			if o, ok := octal(n, i+1); ok {
				b.WriteByte(o)
				i += 3
				continue
			}
		}
		b.WriteByte(n[i])
	}
	return b.String()
}
