package schema

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"
)

// A fleet's mailzone.yaml is mostly its domains: mapping, thousands of
// entries, and yaml.v3 parses a document on one core. A large block-style
// domains: mapping is cut at its entries into pieces; each core reads a
// piece (fastBlock, or yaml.v3 where fastBlock gives up) and builds its
// domains at once, so no tree of the whole file is ever held, and the
// pieces' nodes are garbage as soon as their domains are built. The rest of
// the file, with the entries blanked and every line kept, is read first
// (providers, defaults, profiles), so positions stay yaml.v3's. Where the
// file is not plainly cut that way (anchors and aliases, several documents,
// directives, a flow mapping, tabs, an indentation it does not follow), a
// piece does not parse, or a domain is declared twice, the whole file is
// loaded as before, so errors are yaml.v3's and the loader's own.

// splitMin is the size from which a file is cut.
var splitMin = 1 << 20

// domainsRest is what may follow domains: on its line.
var domainsRest = regexp.MustCompile(`^[ ]*(#.*)?$`)

// hasAlias reports whether text may use an anchor ("*name" after a blank or
// flow indicator): a piece could not resolve one defined in another.
func hasAlias(text string) bool {
	for i := strings.IndexByte(text, '*'); i >= 0; {
		prev, next := byte(' '), byte(' ')
		if i > 0 {
			prev = text[i-1]
		}
		if i+1 < len(text) {
			next = text[i+1]
		}
		if strings.IndexByte(" \n:[,{", prev) >= 0 && strings.IndexByte(" \n,[]{}", next) < 0 {
			return true
		}
		j := strings.IndexByte(text[i+1:], '*')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// cut is a configuration file whose domains: entries are read in pieces.
type cut struct {
	// rest is the file with the entries' lines emptied.
	rest []byte
	// pieces are runs of whole entries, in file order.
	pieces []piece
	// indent is the entries' indentation.
	indent int
}

// piece is a run of entries: its text, and the line it starts on.
type piece struct {
	text string
	line int
}

// otherBreaks reports whether text breaks lines other than with "\n" or
// "\r\n": yaml.v3 also counts a lone "\r", NEL, LS and PS as line breaks,
// and the pieces' line numbers count newlines.
func otherBreaks(text string) bool {
	if strings.Contains(text, "\u0085") || strings.Contains(text, "\u2028") || strings.Contains(text, "\u2029") {
		return true
	}
	for i := strings.IndexByte(text, '\r'); i >= 0; {
		if i+1 == len(text) || text[i+1] != '\n' {
			return true
		}
		j := strings.IndexByte(text[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// cutFile cuts text's domains: entries into at most n pieces, or returns nil.
func cutFile(text string, n int) *cut {
	if n < 2 || len(text) == 0 || len(text) < splitMin || text[0] == '%' || strings.Contains(text, "\n%") ||
		strings.Contains(text, "\n---") || strings.Contains(text, "\n...") ||
		strings.HasPrefix(text, "---") || strings.IndexByte(text, '\t') >= 0 || hasAlias(text) || otherBreaks(text) {
		return nil
	}
	key := strings.Index(text, "\ndomains:")
	if key < 0 || strings.Contains(text[key+1:], "\ndomains:") || strings.HasPrefix(text, "domains:") {
		return nil
	}
	key += len("\ndomains:")
	nl := strings.IndexByte(text[key:], '\n')
	if nl < 0 || !domainsRest.MatchString(text[key:key+nl]) {
		return nil
	}
	start := key + nl + 1 // the line after domains:
	// The entries: lines indented by exactly indent, up to the first line
	// indented less that is not blank or a comment.
	indent, end := -1, len(text)
	var entries []int
	for off := start; off < len(text); {
		next := strings.IndexByte(text[off:], '\n')
		if next < 0 {
			next = len(text)
		} else {
			next += off + 1
		}
		line := text[off:next]
		sp := 0
		for sp < len(line) && line[sp] == ' ' {
			sp++
		}
		if rest := strings.TrimSpace(line[sp:]); len(rest) > 0 && rest[0] != '#' {
			if indent < 0 {
				indent = sp
			}
			if sp < indent {
				end = off
				break
			}
			if sp == indent {
				// An entry starts with a key: a plain or quoted scalar.
				if indent == 0 || !plainStart(rest, 0, len(rest)) && rest[0] != '"' && rest[0] != '\'' {
					return nil
				}
				entries = append(entries, off)
			}
		}
		off = next
	}
	if n = min(n, len(entries)); n < 1 {
		return nil
	}
	// Cut at entries, into pieces of about equal size.
	cuts := []int{entries[0]}
	for _, e := range entries[1:] {
		if len(cuts) < n && e-cuts[0] >= (end-entries[0])*len(cuts)/n {
			cuts = append(cuts, e)
		}
	}
	cuts = append(cuts, end)
	c := &cut{indent: indent}
	line := 1 + strings.Count(text[:cuts[0]], "\n")
	for i := range cuts[:len(cuts)-1] {
		p := piece{text: text[cuts[i]:cuts[i+1]], line: line}
		c.pieces = append(c.pieces, p)
		line += strings.Count(p.text, "\n")
	}
	lines := strings.Count(text[entries[0]:end], "\n")
	c.rest = make([]byte, 0, entries[0]+lines+len(text)-end)
	c.rest = append(c.rest, text[:entries[0]]...)
	c.rest = append(c.rest, strings.Repeat("\n", lines)...)
	c.rest = append(c.rest, text[end:]...)
	return c
}

// node reads the piece into its block mapping of entries, or nil.
func (c *cut) node(p piece) *yaml.Node {
	if m, ok := fastBlock(p.text, p.line, c.indent); ok {
		return m
	}
	var doc yaml.Node
	src := append(bytes.Repeat([]byte("\n"), p.line-1), p.text...)
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) != 1 {
		return nil
	}
	if m := doc.Content[0]; m.Kind == yaml.MappingNode && m.Style&yaml.FlowStyle == 0 && m.Column == c.indent+1 && m.Tag == "!!map" {
		return m
	}
	return nil
}

// restRoot parses the rest of the file and returns its root mapping, whose
// domains: must be left empty, or nil.
func (c *cut) restRoot() *yaml.Node {
	var doc yaml.Node
	if yaml.Unmarshal(c.rest, &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, v := root.Content[i], root.Content[i+1]; k.Value == "domains" {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!null" || v.Value != "" {
				return nil
			}
			return root
		}
	}
	return nil
}

// piecesPerCore is how many pieces each core gets: small pieces even out
// the cores' work, and bound the nodes held at once.
const piecesPerCore = 8

// configCut loads text as config does, reading its domains in pieces on
// every core; ok is false where the file is not cut, and config then loads
// it whole. l must be fresh: on success it holds the load's diagnostics.
func (l *loader) configCut(text string) (*Config, bool) {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 {
		return nil, false
	}
	c := cutFile(text, piecesPerCore*workers)
	if c == nil {
		return nil, false
	}
	root := c.restRoot()
	if root == nil {
		return nil, false
	}
	// A loader of its own, so that a file that turns out not to be cut
	// leaves l as it was.
	t := &loader{file: l.file, dir: l.dir, env: l.env}
	cfg, profiles, _ := t.top(root)
	profs := t.profiles(profiles)
	outs := make([]pieceLoad, len(c.pieces))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(c.pieces) {
					return
				}
				if !outs[i].load(t, cfg, c, c.pieces[i], profs) {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		return nil, false
	}
	// A key written twice, or two spellings of one domain: the whole load
	// reports them, at their lines.
	n := 0
	for _, o := range outs {
		n += len(o.names)
	}
	// (A key written twice is also a name declared twice.)
	names := make(map[string]bool, n)
	for _, o := range outs {
		for _, name := range o.names {
			if names[name] {
				return nil, false
			}
			names[name] = true
		}
	}
	for _, o := range outs {
		for _, d := range o.loader.diags {
			t.keep(d)
		}
		cfg.Domains = append(cfg.Domains, o.domains...)
	}
	*l = *t
	return cfg, true
}

// pieceLoad is what one piece gives: its domains, every entry's domain
// name, and the loader that holds its diagnostics.
type pieceLoad struct {
	domains []*Domain
	names   []string
	loader  *loader
}

// load reads piece p and builds its domains as loader.domains does; it
// reports false where the piece must be left to the whole load.
func (o *pieceLoad) load(l *loader, cfg *Config, c *cut, p piece, profiles map[string]*yaml.Node) bool {
	m := c.node(p)
	if m == nil {
		return false
	}
	sub := &loader{file: l.file, dir: l.dir, env: l.env}
	o.loader = sub
	o.domains = make([]*Domain, 0, len(m.Content)/2)
	o.names = make([]string, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "<<" || v.Kind == yaml.AliasNode {
			return false
		}
		name := strings.ToLower(strings.TrimSuffix(k.Value, "."))
		o.names = append(o.names, name)
		field := "domains." + name
		if why := validName(name); why != "" {
			sub.errorf(k, field, "domain name %s", why)
			continue
		}
		o.domains = append(o.domains, sub.domainEntry(cfg, name, field, k, v, profiles))
	}
	return true
}
