package dkim

import (
	"errors"
	"fmt"
	"strings"
)

// ValidSelector checks a selector name: one or more dot-separated labels of
// letters, digits and hyphens, each 1-63 bytes, not starting or ending with
// a hyphen (RFC 6376 section 3.1).
func ValidSelector(s string) error {
	if s == "" {
		return errors.New("selector is empty")
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" {
			return fmt.Errorf("selector %q has an empty label; labels are separated by single dots", s)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
				return fmt.Errorf("selector %q: label %q may hold only letters, digits and hyphens", s, l)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("selector %q: label %q may not start or end with a hyphen", s, l)
		}
		if len(l) > 63 {
			return fmt.Errorf("selector %q: label %q is %d bytes; the limit is 63", s, l, len(l))
		}
	}
	return nil
}
