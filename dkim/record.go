package dkim

import (
	"crypto/ed25519"
	"crypto/x509"
	"fmt"
	"strings"
)

// Record is a parsed DKIM key record (RFC 6376 section 3.6.1).
type Record struct {
	// Tags in the order written, names as written (DKIM tag names are
	// case-sensitive) and values trimmed.
	Tags []Tag
}

// Tag is one name=value pair of a record.
type Tag struct {
	Name, Value string
}

// Get returns the value of the named tag and whether it is present.
func (r *Record) Get(name string) (string, bool) {
	for _, t := range r.Tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// String returns the record as "name=value" pairs joined by "; ", in the
// order parsed.
func (r *Record) String() string {
	parts := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		parts[i] = t.Name + "=" + t.Value
	}
	return strings.Join(parts, "; ")
}

// Revoked reports whether the record revokes its key: p= is present and
// empty.
func (r *Record) Revoked() bool {
	p, ok := r.Get("p")
	return ok && strings.TrimSpace(p) == ""
}

// Testing reports whether the t= flags include y (testing mode).
func (r *Record) Testing() bool {
	t, _ := r.Get("t")
	for _, f := range strings.Split(t, ":") {
		if strings.TrimSpace(f) == "y" {
			return true
		}
	}
	return false
}

// Key parses p= according to k= (rsa when absent). For rsa, p= must hold an
// RSA SubjectPublicKeyInfo (a PKCS #1 RSAPublicKey is accepted with a
// warning); for ed25519, exactly 32 raw bytes (RFC 8463).
func (r *Record) Key() (Key, []Problem) {
	p, ok := r.Get("p")
	if !ok {
		return Key{}, fail("p is required; give the base64 public key, or leave it empty (p=) to revoke the key")
	}
	if strings.TrimSpace(p) == "" {
		return Key{}, fail("the key is revoked (p= is empty)")
	}
	der, err := decodeBase64(p)
	if err != nil {
		return Key{}, fail("p is not valid base64; give the base64 public key")
	}
	k, _ := r.Get("k")
	if k == "" {
		k = "rsa"
	}
	switch k {
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return Key{}, fail(fmt.Sprintf("Ed25519 key is %d bytes; p= must hold the raw 32-byte key (RFC 8463)", len(der)))
		}
		return Key{Algorithm: "ed25519", Bits: 256, Public: der}, nil
	case "rsa":
		if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
			key, problems := fromPublic(pub)
			if key.Algorithm == "ed25519" {
				return Key{}, fail("p holds an Ed25519 key but k is rsa; set k=ed25519 and publish the raw 32-byte key")
			}
			return key, problems
		}
		if pub, err := x509.ParsePKCS1PublicKey(der); err == nil {
			key, problems := fromPublic(pub)
			return key, append(problems, Problem{Severity: Warning,
				Msg: "p holds a PKCS #1 RSAPublicKey; most verifiers expect a SubjectPublicKeyInfo, so publish the key in that form"})
		}
		if len(der) == ed25519.PublicKeySize {
			return Key{}, fail("p holds 32 bytes, the size of an Ed25519 key, but k is rsa; set k=ed25519")
		}
		return Key{}, fail(fmt.Sprintf("p holds %d bytes that are not an RSA SubjectPublicKeyInfo", len(der)))
	}
	return Key{}, fail(fmt.Sprintf("k=%s is not a key type mailzone can check; use rsa or ed25519", k))
}

const wsp = " \t\r\n"

// ParseRecord parses a published DKIM key record and returns every problem
// at once, including those of the key in p= (as Key reports them). The
// record holds the tags that could be read; it is never nil.
//
// v, if present, must come first and be DKIM1; k is rsa or ed25519; p is
// required and may be empty (revoked); h must allow sha256 and s must allow
// email; unknown tags and flags are warnings, since verifiers ignore them.
func ParseRecord(text string) (*Record, []Problem) {
	r := &Record{}
	if strings.Trim(text, wsp+";") == "" {
		return r, fail(`record is empty; write "v=DKIM1; k=rsa; p=<base64 public key>"`)
	}
	var problems []Problem
	add := func(sev Severity, term, format string, args ...any) {
		problems = append(problems, Problem{Severity: sev, Term: term, Msg: fmt.Sprintf(format, args...)})
	}
	parts := strings.Split(text, ";")
	seen := map[string]bool{}
	for i, part := range parts {
		spec := strings.Trim(part, wsp)
		if spec == "" {
			if i < len(parts)-1 {
				add(Warning, "", `empty tag between ";" separators; remove the extra ";"`)
			}
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			add(Error, spec, `has no "="; write name=value`)
			continue
		}
		name, value = strings.Trim(name, wsp), strings.Trim(value, wsp)
		if !validName(name) {
			add(Error, spec, `tag name %q is not valid; use letters, digits and "_", starting with a letter`, name)
			continue
		}
		if seen[name] {
			add(Error, spec, "%s appears more than once; keep one", name)
			continue
		}
		seen[name] = true
		switch name {
		case "v":
			if len(r.Tags) > 0 {
				add(Error, spec, "v=DKIM1 must be the first tag")
			}
			if value != "DKIM1" {
				add(Error, spec, `version must be exactly "DKIM1"`)
			}
		case "k":
			if value != "rsa" && value != "ed25519" {
				add(Error, spec, "k must be rsa or ed25519")
			}
		case "p":
		case "h":
			algs := colonList(value)
			if !contains(algs, "sha256") {
				add(Error, spec, "h does not allow sha256, so verifiers will reject every signature made with this key (RFC 8301); use h=sha256 or remove h")
			}
			for _, a := range algs {
				if a != "sha256" && a != "sha1" {
					add(Warning, spec, "unknown hash algorithm %q is ignored by verifiers", a)
				}
			}
		case "s":
			svcs := colonList(value)
			if !contains(svcs, "*") && !contains(svcs, "email") {
				add(Error, spec, `s does not allow "email" or "*", so verifiers will not use this key for email; remove s or set s=email`)
			}
		case "t":
			for _, f := range colonList(value) {
				if f != "y" && f != "s" {
					add(Warning, spec, "unknown flag %q in t is ignored by verifiers", f)
				}
			}
		case "n":
		default:
			add(Warning, spec, "unknown tag %q is ignored by verifiers; remove it", name)
		}
		r.Tags = append(r.Tags, Tag{Name: name, Value: value})
	}
	if len(r.Tags) == 0 {
		return r, problems
	}
	p, ok := r.Get("p")
	switch k, _ := r.Get("k"); {
	case !ok:
		add(Error, "", "p is required; give the base64 public key, or leave it empty (p=) to revoke the key")
	case strings.TrimSpace(p) != "" && (k == "" || k == "rsa" || k == "ed25519"):
		_, kp := r.Key()
		problems = append(problems, kp...)
	}
	return r, problems
}

func colonList(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ":") {
		out = append(out, strings.Trim(x, wsp))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
