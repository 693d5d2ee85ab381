// Package dnsname checks the domain names a configuration holds, by the rule
// that applies to each: a host name (RFC 952/1123: letters, digits, inner
// hyphens), which is what an MX target and a mail domain must be, or any DNS
// owner name (RFC 2181 §11), which may hold underscore labels such as
// "_domainkey" and is what a CNAME may point to: Microsoft 365 delegates DKIM
// to "selector1-contoso-com._domainkey.contoso.onmicrosoft.com".
//
// Both rules check lengths in octets as they go on the wire (253 for the
// presentation form without the root dot, 63 a label) and that an IDNA label
// ("xn--...") is valid punycode.
package dnsname

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// MaxName is the longest name, in octets, in presentation form without the
// trailing dot (RFC 1035 §2.3.4: 255 octets on the wire).
const MaxName = 253

// Host reports why name is not a valid host name, or nil. name may be
// absolute (a trailing dot) and of any case. An IP address is not a host name.
func Host(name string) error { return check(name, false) }

// Owner reports why name is not a valid DNS owner name for mailzone, or nil:
// a host name whose labels may also start with an underscore or hold
// underscores (RFC 2181 §11, RFC 8552), as service and DKIM names do.
func Owner(name string) error { return check(name, true) }

func check(name string, underscore bool) error {
	n := strings.TrimSuffix(name, ".")
	if n == "" {
		return fmt.Errorf("is empty")
	}
	if _, err := netip.ParseAddr(n); err == nil {
		return fmt.Errorf("is an IP address, not a domain name")
	}
	if len(n) > MaxName {
		return fmt.Errorf("is %d octets long; a DNS name holds at most %d", len(n), MaxName)
	}
	labels := strings.Split(n, ".")
	for _, lab := range labels {
		if err := checkLabel(lab, underscore); err != nil {
			return err
		}
	}
	if isNumeric(labels[len(labels)-1]) && len(labels) > 1 {
		return fmt.Errorf("ends in the all-numeric label %q, which no top-level domain is", labels[len(labels)-1])
	}
	return nil
}

func checkLabel(lab string, underscore bool) error {
	switch {
	case lab == "":
		return fmt.Errorf("has an empty label")
	case len(lab) > 63:
		return fmt.Errorf("label %q is %d octets long; a label holds at most 63", short(lab), len(lab))
	}
	for i := 0; i < len(lab); i++ {
		c := lab[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(lab)-1:
		case c == '_' && underscore:
		case c == '-':
			return fmt.Errorf("label %q may not start or end with a hyphen", short(lab))
		case c == '_':
			return fmt.Errorf("label %q holds an underscore, which a host name may not", short(lab))
		default:
			return fmt.Errorf("label %q may hold only letters, digits and inner hyphens", short(lab))
		}
	}
	if len(lab) >= 4 && strings.EqualFold(lab[:4], "xn--") {
		if _, err := idna.Lookup.ToUnicode(strings.ToLower(lab)); err != nil {
			return fmt.Errorf("label %q is not valid punycode (IDNA): %v", short(lab), err)
		}
	} else if len(lab) >= 4 && lab[2:4] == "--" {
		return fmt.Errorf("label %q has hyphens in the third and fourth positions, which only IDNA labels (xn--) may have", short(lab))
	}
	return nil
}

func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// short quotes at most the first 70 octets of a label in messages.
func short(s string) string {
	if len(s) > 70 {
		return s[:70] + "..."
	}
	return s
}
