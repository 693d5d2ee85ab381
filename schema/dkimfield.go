package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dkim"
)

func (l *loader) dkim(n *yaml.Node, field string) []Selector {
	var out []Selector
	for _, p := range l.fields(n, field) {
		sel := Selector{Name: strings.ToLower(p.key), Pos: l.pos(p.k)}
		if err := dkim.ValidSelector(p.key); err != nil {
			l.errorf(p.k, p.field, "%v", err)
			continue
		}
		var kinds []string
		ok := true
		for _, q := range l.fields(p.v, p.field, "public_key", "key_file", "cname", "revoked", "delete", "created") {
			switch q.key {
			case "created":
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				t, err := time.Parse("2006-01-02", s)
				if err != nil {
					l.errorf(q.v, q.field, "%q is not a date such as 2026-12-01", short(s))
					ok = false
					continue
				}
				sel.Created = t
			case "public_key":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				key, record, problems := l.parseKey(s)
				ok = l.dkimProblems(q.v, q.field, problems) && ok
				sel.Kind, sel.Text, sel.Algorithm, sel.Bits, sel.Public = KeySelector, record, key.Algorithm, key.Bits, key.Public
			case "key_file":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				path := s
				if !filepath.IsAbs(path) {
					path = filepath.Join(l.dir, path)
				}
				data, err := readKeyFile(path)
				if err != nil {
					l.errorf(q.v, q.field, "cannot read key file: %v", err)
					ok = false
					continue
				}
				if strings.Contains(string(data), "PRIVATE KEY") {
					if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
						l.warnf(q.v, q.field, "%s holds a private key and is readable by others (mode %04o); chmod 600 it", s, st.Mode().Perm())
					}
				}
				key, problems := dkim.LoadKeyFile(data)
				ok = l.dkimProblems(q.v, q.field, problems) && ok
				sel.Kind, sel.Text, sel.Algorithm, sel.Bits, sel.Public, sel.KeyFile = KeySelector, key.Record(), key.Algorithm, key.Bits, key.Public, s
			case "cname":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				t, good := l.ownerName(q.v, q.field, s, "CNAME target")
				ok = ok && good
				sel.Kind, sel.Target = CNAMESelector, t
			case "revoked", "delete":
				b, good := l.boolean(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				if !b {
					l.errorf(q.v, q.field, "only true makes sense here; remove the key to keep the selector as it is")
					ok = false
					continue
				}
				kinds = append(kinds, q.key)
				if q.key == "revoked" {
					sel.Kind, sel.Text = RevokedSelector, dkim.Revoked()
				} else {
					sel.Kind = DeletedSelector
				}
			}
		}
		switch {
		case len(kinds) == 0 && resolve(p.v) != nil && resolve(p.v).Kind == yaml.MappingNode:
			l.errorf(p.v, p.field, "give one of public_key, key_file, cname, revoked: true or delete: true")
			ok = false
		case len(kinds) > 1:
			l.errorf(p.v, p.field, "give only one of %s", strings.Join(kinds, ", "))
			ok = false
		}
		if ok && len(kinds) == 1 {
			out = append(out, sel)
		}
	}
	return out
}

func (l *loader) dkimProblems(n *yaml.Node, field string, problems []dkim.Problem) bool {
	ok := true
	for _, pr := range problems {
		d := Diagnostic{Pos: l.pos(n), Field: field, Severity: Error, Msg: pr.Error()}
		if pr.Severity == dkim.Warning {
			d.Severity = Warning
		} else {
			ok = false
		}
		l.add(d)
	}
	return ok
}

// maxKeyFile bounds a key file: a 16384-bit RSA private key in PEM is under 13 KiB.
const maxKeyFile = 1 << 20

// readKeyFile reads a key file named by the configuration. Only a regular
// file of at most maxKeyFile bytes is read, and its type is checked before it
// is opened, so a path such as /dev/zero or a FIFO in a pull request cannot
// hang or exhaust a CI run.
func readKeyFile(path string) ([]byte, error) {
	return readBytes(path, maxKeyFile)
}

// selectorPattern is what a dkim_policy selector pattern may hold: LDH text
// and the placeholders {yyyy}, {mm}, {dd}.
var selectorPattern = regexp.MustCompile(`^([a-z0-9-]|\{yyyy\}|\{mm\}|\{dd\})+$`)

// dkimPolicy decodes dkim_policy.
func (l *loader) dkimPolicy(n *yaml.Node, field string) DKIMPolicy {
	p := DKIMPolicy{Pos: l.pos(n)}
	for _, q := range l.fields(n, field, "rotate_every", "algorithm", "bits", "selector") {
		switch q.key {
		case "rotate_every":
			s, ok := l.str(q.v, q.field)
			if !ok {
				continue
			}
			d, err := parseDays(s)
			if err != nil {
				l.errorf(q.v, q.field, "%q is not a period such as 180d or 26w", short(s))
				continue
			}
			p.RotateEvery = d
		case "algorithm":
			s, _ := l.str(q.v, q.field)
			if s != "rsa" && s != "ed25519" && s != "both" {
				l.errorf(q.v, q.field, "must be rsa, ed25519 or both (one key of each, as RFC 8463 recommends), not %q", short(s))
				continue
			}
			p.Algorithm = s
		case "bits":
			if v, ok := l.uint(q.v, q.field, 1024, 4096); ok {
				if v != 1024 && v != 2048 && v != 3072 && v != 4096 {
					l.errorf(q.v, q.field, "must be 2048, 3072 or 4096 (1024 is weak), not %d", v)
					continue
				}
				p.Bits = int(v)
			}
		case "selector":
			s, _ := l.str(q.v, q.field)
			example := strings.NewReplacer("{yyyy}", "2026", "{mm}", "12", "{dd}", "01").Replace(strings.ToLower(s))
			if !selectorPattern.MatchString(strings.ToLower(s)) || dkim.ValidSelector(example) != nil || !strings.Contains(s, "{") {
				l.errorf(q.v, q.field, "%q is not a selector pattern: use letters, digits, hyphens and at least one of {yyyy}, {mm}, {dd}, such as \"mz{yyyy}{mm}\"", short(s))
				continue
			}
			p.Selector = strings.ToLower(s)
		}
	}
	return p
}

// parseDays reads a period as days (180d), weeks (26w) or a Go duration.
func parseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseUint(n, 10, 16)
			if err != nil || v == 0 {
				return 0, fmt.Errorf("bad period")
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad period")
	}
	return d, nil
}
