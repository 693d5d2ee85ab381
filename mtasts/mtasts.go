// Package mtasts builds and reads MTA-STS policies (RFC 8461): the policy
// file a domain serves at https://mta-sts.<domain>/.well-known/mta-sts.txt,
// and the id its _mta-sts TXT record carries. The id is derived from the
// policy's content, so it changes exactly when the policy does and never
// drifts out of step with the file: the mistake that leaves senders holding
// a stale policy for max_age.
package mtasts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Modes of a policy.
const (
	Enforce = "enforce"
	Testing = "testing"
	None    = "none"
)

// MaxMaxAge is the longest max_age RFC 8461 §3.2 allows: a year.
const MaxMaxAge = 31557600

// DefaultMaxAge is a week, the value RFC 8461 gives as an example and
// senders commonly see.
const DefaultMaxAge = 604800

// Policy is one MTA-STS policy.
type Policy struct {
	Mode   string
	MX     []string
	MaxAge int
}

// Text is the policy file (RFC 8461 §3.2): CRLF-separated key/value pairs,
// in the order the RFC lists them.
func (p Policy) Text() string {
	var b strings.Builder
	b.WriteString("version: STSv1\r\n")
	b.WriteString("mode: " + p.Mode + "\r\n")
	for _, mx := range p.MX {
		b.WriteString("mx: " + mx + "\r\n")
	}
	b.WriteString("max_age: " + strconv.Itoa(p.MaxAge) + "\r\n")
	return b.String()
}

// ID is the policy id derived from the policy file: 20 hex digits of its
// SHA-256. The same policy always has the same id.
func (p Policy) ID() string { return IDOf(p.Text()) }

// IDOf is the id derived from a policy file's text.
func IDOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])[:20]
}

// Record is the _mta-sts TXT record announcing the policy with id.
func Record(id string) string { return "v=STSv1; id=" + id }

// CheckMX reports why an mx pattern is not a host name or a "*." wildcard
// of one (RFC 8461 §3.2), or "".
func CheckMX(pattern string, host func(string) error) string {
	name := strings.TrimPrefix(pattern, "*.")
	if strings.Contains(name, "*") {
		return "a wildcard is only allowed as the whole leftmost label (*.example.net)"
	}
	if strings.HasSuffix(pattern, ".") {
		return "is written without a trailing dot in a policy file"
	}
	if err := host(name); err != nil {
		return err.Error()
	}
	return ""
}

// Parse reads a served policy file. It accepts LF as well as CRLF, as
// senders do, and reports what does not follow RFC 8461 §3.2.
func Parse(text string) (Policy, error) {
	var p Policy
	version, maxAge := "", ""
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return p, fmt.Errorf("line %q is not key: value", short(line))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "version":
			version = v
		case "mode":
			p.Mode = v
		case "mx":
			p.MX = append(p.MX, v)
		case "max_age":
			maxAge = v
		}
	}
	if version != "STSv1" {
		return p, fmt.Errorf("version is %q, not STSv1", short(version))
	}
	switch p.Mode {
	case Enforce, Testing, None:
	default:
		return p, fmt.Errorf("mode is %q, not enforce, testing or none", short(p.Mode))
	}
	n, err := strconv.Atoi(maxAge)
	if err != nil || n < 0 || n > MaxMaxAge {
		return p, fmt.Errorf("max_age is %q, not 0 to %d seconds", short(maxAge), MaxMaxAge)
	}
	p.MaxAge = n
	if len(p.MX) == 0 && p.Mode != None {
		return p, fmt.Errorf("no mx line")
	}
	return p, nil
}

// Diff lists how the served policy differs from the desired one.
func Diff(want, got Policy) []string {
	var out []string
	if want.Mode != got.Mode {
		out = append(out, fmt.Sprintf("mode %s, want %s", got.Mode, want.Mode))
	}
	if strings.Join(got.MX, " ") != strings.Join(want.MX, " ") {
		out = append(out, fmt.Sprintf("mx %s, want %s", strings.Join(got.MX, ", "), strings.Join(want.MX, ", ")))
	}
	if want.MaxAge != got.MaxAge {
		out = append(out, fmt.Sprintf("max_age %d, want %d", got.MaxAge, want.MaxAge))
	}
	return out
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
