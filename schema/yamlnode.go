package schema

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dkim"
)

// loader walks the YAML node tree, collecting diagnostics instead of stopping at
// the first problem.
type loader struct {
	file  string
	dir   string
	env   func(string) (string, bool)
	diags Diagnostics
	seen  map[string]bool // dedupes diagnostics from a profile shared by many domains
	// memo holds the records built from nodes a profile shares among many
	// domains, so a fleet of thousands parses its shared SPF and DMARC once.
	memo map[memoKey]*TXTField
	// keys holds parsed public keys by their text: a fleet whose domains
	// publish the same key parses it once.
	keys map[string]parsedKey
	// mxs holds the MX decoded from a node a profile shares.
	mxs map[*yaml.Node]*MX
}

// maxMemoMX bounds the MX nodes a loader keeps decoded.
const maxMemoMX = 64

// memoMX is mx, decoding a node once: a profile's MX is checked once for
// the thousands of domains that take it. Diagnostics are reported by the
// first decoding, at the node's position, as memoized does.
func (l *loader) memoMX(n *yaml.Node, field string) *MX {
	n = resolve(n)
	mx, ok := l.mxs[n]
	if !ok {
		mx = l.mx(n, field)
		if l.mxs == nil {
			l.mxs = map[*yaml.Node]*MX{}
		}
		// Domains' own MX nodes are met once each: the first few nodes
		// are kept, which are the profiles' in a fleet of them.
		if len(l.mxs) < maxMemoMX {
			l.mxs[n] = mx
		}
	}
	if mx == nil {
		return nil
	}
	c := *mx
	return &c
}

// parsedKey is a memoized dkim.ParseKey result, with the key's record.
type parsedKey struct {
	key      dkim.Key
	record   string
	problems []dkim.Problem
}

// parseKey is dkim.ParseKey, once per distinct key text; it also returns
// the key's record text, so domains with one key share one string.
func (l *loader) parseKey(s string) (dkim.Key, string, []dkim.Problem) {
	if pk, ok := l.keys[s]; ok {
		return pk.key, pk.record, pk.problems
	}
	key, problems := dkim.ParseKey(s)
	if l.keys == nil {
		l.keys = map[string]parsedKey{}
	}
	pk := parsedKey{key, key.Record(), problems}
	l.keys[s] = pk
	return key, pk.record, problems
}

// memoKey identifies a decoded node: the node itself (shared nodes come from
// a profile) and what it was decoded as.
type memoKey struct {
	node   *yaml.Node
	kind   string
	parked bool
}

// memoized returns the TXTField decoded from n as kind, decoding it once.
// Diagnostics are reported by the first decoding, at the node's position.
func (l *loader) memoized(n *yaml.Node, kind string, parked bool, decode func() *TXTField) *TXTField {
	k := memoKey{resolve(n), kind, parked}
	if f, ok := l.memo[k]; ok {
		if f == nil {
			return nil
		}
		c := *f
		return &c
	}
	f := decode()
	if l.memo == nil {
		l.memo = map[memoKey]*TXTField{}
	}
	l.memo[k] = f
	if f == nil {
		return nil
	}
	c := *f
	return &c
}

func (l *loader) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: l.file}
	}
	return Pos{File: l.file, Line: n.Line, Col: n.Column}
}

// quoted matches a Go-quoted string in a message.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// shortQuotes cuts every quoted value in a message to about 100 bytes, so a
// huge bad value is never echoed whole.
func shortQuotes(msg string) string {
	if len(msg) <= 200 {
		return msg
	}
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) <= 102 {
			return q
		}
		return strconv.Quote(short(q[1 : len(q)-1]))
	})
}

func (l *loader) add(d Diagnostic) {
	d.Msg = shortQuotes(d.Msg)
	l.keep(d)
}

// keep records a diagnostic another loader made (and shortened), once.
func (l *loader) keep(d Diagnostic) {
	k := d.Pos.String() + "\x00" + d.Msg
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if d.Pos.Line != 0 && l.seen[k] {
		return
	}
	l.seen[k] = true
	l.diags = append(l.diags, d)
}

func (l *loader) errorf(n *yaml.Node, field, format string, args ...any) {
	l.add(Diagnostic{Pos: l.pos(n), Field: field, Severity: Error, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(n *yaml.Node, field, format string, args ...any) {
	l.add(Diagnostic{Pos: l.pos(n), Field: field, Severity: Warning, Msg: fmt.Sprintf(format, args...)})
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "unknown"
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one key and value of a mapping.
type pair struct {
	key   string
	k, v  *yaml.Node
	field string
}

// fields iterates a mapping, reporting keys not in known, duplicate keys and a
// node that is not a mapping. It returns the pairs with known keys, in order.
func (l *loader) fields(n *yaml.Node, field string, known ...string) []pair {
	n = resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, field, "must be a mapping, not %s", kindName(n))
		return nil
	}
	// Mappings here are small (a domain's dozen keys), so duplicates and
	// unknown keys are found by scanning; the domains: mapping, thousands of
	// keys, gets a set.
	var dup map[string]bool
	if len(n.Content) > 32 {
		dup = make(map[string]bool, len(n.Content)/2)
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, field, "keys must be scalars")
			continue
		}
		if key == "<<" {
			l.errorf(k, field, "YAML merge keys (<<) are not supported; use profiles")
			continue
		}
		if dup != nil && dup[key] || dup == nil && seenKey(n.Content[:i], key) {
			l.errorf(k, join(field, key), "duplicate key %q", key)
			continue
		}
		if dup != nil {
			dup[key] = true
		}
		if len(known) > 0 && !slices.Contains(known, key) {
			l.errorf(k, join(field, key), "unknown key %q (known: %s)", key, strings.Join(sorted(known), ", "))
			continue
		}
		out = append(out, pair{key: key, k: k, v: v, field: join(field, key)})
	}
	return out
}

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	return out
}

// seenKey reports whether the keys of a mapping's first pairs hold key.
func seenKey(content []*yaml.Node, key string) bool {
	for i := 0; i+1 < len(content); i += 2 {
		if k := resolve(content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func (l *loader) str(n *yaml.Node, field string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		l.errorf(n, field, "must be a string, not %s", kindName(n))
		return "", false
	}
	if len(n.Value) > MaxValue {
		l.errorf(n, field, "is %d bytes long; the longest value mailzone takes is %d bytes (%s)", len(n.Value), MaxValue, short(n.Value))
		return "", false
	}
	return n.Value, true
}

// MaxValue bounds any one string in the configuration: a 16384-bit RSA key
// in PEM is under 3 KiB, the longest TXT record mailzone builds under 1 KiB.
// Longer values are refused before they are parsed.
const MaxValue = 16 << 10

func (l *loader) boolean(n *yaml.Node, field string) (bool, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(n.Value)
		if err == nil {
			return b, true
		}
	}
	l.errorf(n, field, "must be true or false, not %q", n.Value)
	return false, false
}

func (l *loader) uint(n *yaml.Node, field string, lo, hi uint64) (uint64, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := strconv.ParseUint(n.Value, 10, 64)
		if err == nil && v >= lo && v <= hi {
			return v, true
		}
	}
	l.errorf(n, field, "must be a whole number from %d to %d, not %q", lo, hi, n.Value)
	return 0, false
}

// strs accepts a list of strings, or a single string as a one-element list.
func (l *loader) strs(n *yaml.Node, field string) ([]string, []*yaml.Node) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if s, ok := l.str(n, field); ok {
			return []string{s}, []*yaml.Node{n}
		}
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, field, "must be a list of strings, not %s", kindName(n))
		return nil, nil
	}
	var out []string
	var nodes []*yaml.Node
	for i, c := range n.Content {
		if s, ok := l.str(c, fmt.Sprintf("%s[%d]", field, i)); ok {
			out = append(out, s)
			nodes = append(nodes, resolve(c))
		}
	}
	return out, nodes
}

// merge returns base overridden by over, mapping by mapping: a key in over replaces
// the same key in base, recursively for nested mappings; lists and scalars are
// replaced whole. Nodes keep their original positions, so a message about a value
// inherited from a profile points at the profile.
func merge(base, over *yaml.Node, skip map[string]bool) *yaml.Node {
	base, over = resolve(base), resolve(over)
	if base == nil {
		return over
	}
	if over == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		if over == nil {
			return base
		}
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: over.Line, Column: over.Column}
	out.Content = make([]*yaml.Node, 0, len(base.Content)+len(over.Content))
	for i := 0; i+1 < len(base.Content); i += 2 {
		if skip[base.Content[i].Value] {
			continue
		}
		out.Content = append(out.Content, base.Content[i], base.Content[i+1])
	}
	inherited := len(out.Content)
	for i := 0; i+1 < len(over.Content); i += 2 {
		k := over.Content[i].Value
		if j := keyIndex(out.Content[:inherited], k); j >= 0 {
			out.Content[j] = over.Content[i]
			out.Content[j+1] = merge(out.Content[j+1], over.Content[i+1], nil)
			continue
		}
		out.Content = append(out.Content, over.Content[i], over.Content[i+1])
	}
	return out
}

// keyIndex returns the index in content, a mapping's keys and values, of the
// last key spelled k, or -1.
func keyIndex(content []*yaml.Node, k string) int {
	for i := len(content) - 2; i >= 0; i -= 2 {
		if content[i].Value == k {
			return i
		}
	}
	return -1
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}
