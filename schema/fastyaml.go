package schema

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// A fleet's domains: entries are written in a narrow part of YAML: block
// mappings of plain keys, flow mappings and sequences on one line, plain and
// quoted scalars, comments. yaml.v3 reads them through a general scanner,
// parser and event stream at about 25 MB/s; fastBlock reads that part
// directly into the nodes yaml.v3 would give (same kinds, tags, values,
// styles, lines and columns; comments are not kept, the loader does not read
// them). Wherever the text leaves that part, or might mean something else to
// a YAML parser, it gives up and the piece goes to yaml.v3, so what a file
// means and the errors it gets are yaml.v3's own. FuzzFastBlock checks that
// wherever fastBlock gives a tree, yaml.v3 gives the same one.

// fastMaxDepth bounds nesting; deeper text goes to yaml.v3.
const fastMaxDepth = 32

// fastMaxKey is below the 1024 characters YAML allows an implicit key.
const fastMaxKey = 1000

// fastMaxTags bounds the distinct number-like scalars a piece resolves
// through yaml.v3; a piece with more goes to yaml.v3 whole.
const fastMaxTags = 4096

// fastParser reads one block mapping from src.
type fastParser struct {
	src  string
	off  int // start of the current line
	end  int // its end: the offset of its newline, or len(src)
	line int // its number, from 1
	slab []yaml.Node
	// stack holds the children of the collections being read; children
	// moves them into slices carved from ptrs.
	stack, ptrs []*yaml.Node
	// tags holds the tags yaml.v3 resolves for plain scalars that may be
	// numbers or timestamps.
	tags map[string]string
}

// fastBlock parses src, whose first line is line number line, as a block
// mapping at column indent+1 spanning all of src; ok is false where it gives
// up.
func fastBlock(src string, line, indent int) (n *yaml.Node, ok bool) {
	if !fastText(src) {
		return nil, false
	}
	p := &fastParser{src: src, line: line}
	p.end = p.lineEnd()
	ind, more := p.skipBlank()
	if !more || ind != indent {
		return nil, false
	}
	n, ok = p.mapping(indent, 0)
	if !ok {
		return nil, false
	}
	if _, more := p.skipBlank(); more {
		return nil, false
	}
	return n, true
}

// fastText reports whether src holds only printable ASCII and newlines.
func fastText(src string) bool {
	for i := 0; i < len(src); i++ {
		if c := src[i]; (c < ' ' && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

func (p *fastParser) node(kind yaml.Kind, tag, value string, style yaml.Style, col int) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, 128)
	}
	n := &p.slab[0]
	p.slab = p.slab[1:]
	// Field by field: the slab is zeroed, and a whole-struct store would
	// put a write barrier on every pointer of the node.
	n.Kind, n.Style, n.Line, n.Column = kind, style, p.line, col+1
	n.Tag, n.Value = tag, value
	return n
}

// children pops the nodes pushed on the stack since mark into a slice of
// their own.
func (p *fastParser) children(mark int) []*yaml.Node {
	n := len(p.stack) - mark
	if n == 0 {
		return nil
	}
	if len(p.ptrs) < n {
		p.ptrs = make([]*yaml.Node, max(n, 512))
	}
	out := p.ptrs[:n:n]
	p.ptrs = p.ptrs[n:]
	copy(out, p.stack[mark:])
	p.stack = p.stack[:mark]
	return out
}

// eol returns the end of the current line.
func (p *fastParser) eol() int { return p.end }

// lineEnd finds the end of the line at p.off.
func (p *fastParser) lineEnd() int {
	if i := strings.IndexByte(p.src[p.off:], '\n'); i >= 0 {
		return p.off + i
	}
	return len(p.src)
}

// nextLine moves to the line after the current one.
func (p *fastParser) nextLine() {
	e := p.end
	if e < len(p.src) {
		e++
	}
	p.off = e
	p.line++
	p.end = p.lineEnd()
}

// skipBlank moves past blank and comment lines and returns the indentation
// of the next line, or more false at the end of src.
func (p *fastParser) skipBlank() (indent int, more bool) {
	for p.off < len(p.src) {
		e := p.eol()
		i := p.off
		for i < e && p.src[i] == ' ' {
			i++
		}
		if i < e && p.src[i] != '#' {
			return i - p.off, true
		}
		p.nextLine()
	}
	return 0, false
}

// rest reports whether what follows i on the current line is only spaces
// and a comment after a space.
func (p *fastParser) rest(i int) bool {
	e := p.eol()
	j := i
	for j < e && p.src[j] == ' ' {
		j++
	}
	return j == e || (p.src[j] == '#' && j > i)
}

// seqItem reports whether the line at offset i starts a block sequence entry.
func (p *fastParser) seqItem(i int) bool {
	return p.src[i] == '-' && (i+1 == len(p.src) || p.src[i+1] == ' ' || p.src[i+1] == '\n')
}

// mapping reads the block mapping whose keys are at column indent+1, the
// current line being its first key's.
func (p *fastParser) mapping(indent, depth int) (*yaml.Node, bool) {
	if depth > fastMaxDepth {
		return nil, false
	}
	m := p.node(yaml.MappingNode, "!!map", "", 0, indent)
	mark := len(p.stack)
	for {
		ind, more := p.skipBlank()
		if !more || ind < indent {
			m.Content = p.children(mark)
			return m, true
		}
		if ind > indent || p.seqItem(p.off+ind) {
			return nil, false
		}
		k, i, ok := p.key(p.off + ind)
		if !ok {
			return nil, false
		}
		p.stack = append(p.stack, k)
		// i is just past the colon.
		if p.rest(i) {
			keyLine, col := p.line, i-p.off
			p.nextLine()
			v, ok := p.below(indent, keyLine, col, depth)
			if !ok {
				return nil, false
			}
			p.stack = append(p.stack, v)
			continue
		}
		j := i
		for p.src[j] == ' ' {
			j++
		}
		v, end, ok := p.inline(j, depth, false)
		if !ok || !p.rest(end) {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.nextLine()
	}
}

// below reads the value of a key whose line ends after its colon: a
// mapping or sequence on the lines below, or null. keyLine and col place
// the null, as yaml.v3 places it: just after the colon.
func (p *fastParser) below(indent, keyLine, col, depth int) (*yaml.Node, bool) {
	ind, more := p.skipBlank()
	switch {
	case more && ind > indent && p.seqItem(p.off+ind):
		return p.sequence(ind, depth+1)
	case more && ind == indent && p.seqItem(p.off+ind):
		return p.sequence(ind, depth+1) // a sequence may sit at its key's column
	case more && ind > indent:
		return p.mapping(ind, depth+1)
	}
	n := p.node(yaml.ScalarNode, "!!null", "", 0, col)
	n.Line = keyLine
	return n, true
}

// sequence reads the block sequence whose dashes are at column indent+1.
// Its entries are scalars or flow collections; anything else gives up.
func (p *fastParser) sequence(indent, depth int) (*yaml.Node, bool) {
	if depth > fastMaxDepth {
		return nil, false
	}
	s := p.node(yaml.SequenceNode, "!!seq", "", 0, indent)
	mark := len(p.stack)
	for {
		ind, more := p.skipBlank()
		if !more || ind != indent || !p.seqItem(p.off+ind) {
			if more && ind > indent {
				return nil, false
			}
			s.Content = p.children(mark)
			return s, true
		}
		j := p.off + ind + 1
		for j < len(p.src) && p.src[j] == ' ' {
			j++
		}
		if j == len(p.src) || p.src[j] == '\n' || p.src[j] == '#' || p.seqItem(j) {
			return nil, false
		}
		v, end, ok := p.inline(j, depth, false)
		if !ok || !p.rest(end) {
			return nil, false
		}
		p.stack = append(p.stack, v)
		p.nextLine()
	}
}

// key reads a block mapping key at offset i and its colon; next is just
// past the colon, which a space or the end of the line follows.
func (p *fastParser) key(i int) (k *yaml.Node, next int, ok bool) {
	e := p.eol()
	switch p.src[i] {
	case '"', '\'':
		k, next, ok = p.quoted(i, e)
		if !ok || next >= e || p.src[next] != ':' {
			return nil, 0, false
		}
		next++
	default:
		if !plainStart(p.src, i, e) {
			return nil, 0, false
		}
		j := i
		for ; j < e; j++ {
			c := p.src[j]
			if c == ':' && (j+1 == e || p.src[j+1] == ' ') {
				break
			}
			if c == '#' && p.src[j-1] == ' ' || strings.IndexByte(`[]{},"'`, c) >= 0 {
				return nil, 0, false
			}
		}
		if j == e {
			return nil, 0, false
		}
		v := strings.TrimRight(p.src[i:j], " ")
		if k, ok = p.plain(v, i); !ok {
			return nil, 0, false
		}
		next = j + 1
	}
	if next-i > fastMaxKey || (next < e && p.src[next] != ' ') {
		return nil, 0, false
	}
	return k, next, true
}

// inline reads a value that starts at offset i on the current line: a
// quoted or plain scalar, or a flow mapping or sequence. flow is whether it
// is inside a flow collection. end is just past the value.
func (p *fastParser) inline(i, depth int, flow bool) (n *yaml.Node, end int, ok bool) {
	e := p.eol()
	if i >= e {
		return nil, 0, false
	}
	switch p.src[i] {
	case '"', '\'':
		return p.quoted(i, e)
	case '{', '[':
		return p.flow(i, e, depth+1)
	}
	if !plainStart(p.src, i, e) {
		return nil, 0, false
	}
	j := i
	for ; j < e; j++ {
		c := p.src[j]
		if c == ':' && (j+1 == e || p.src[j+1] == ' ' || flow && !wordByte(p.src[j+1])) {
			return nil, 0, false
		}
		if c == '#' && p.src[j-1] == ' ' {
			break
		}
		if flow && strings.IndexByte(",]}", c) >= 0 {
			break
		}
		if flow && !wordByte(c) && c != ' ' && c != ':' || strings.IndexByte(`[]{},"'#`, c) >= 0 {
			return nil, 0, false
		}
	}
	v := strings.TrimRight(p.src[i:j], " ")
	n, ok = p.plain(v, i)
	return n, i + len(v), ok
}

// plainStart reports whether a plain scalar may start at offset i: YAML's
// indicators (and "-", "?", ":" however they are followed) give up.
func plainStart(src string, i, e int) bool {
	c := src[i]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_./+~=(", c) >= 0
}

// wordByte reports whether c is a letter, a digit or one of "@/._-+": a
// colon before one, as in "mailto:dmarc@example.net", is part of a plain
// scalar in a flow collection too.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@/._-+", c) >= 0
}

// plain makes the node of plain scalar v at offset i, with the tag yaml.v3
// resolves for it.
func (p *fastParser) plain(v string, i int) (*yaml.Node, bool) {
	tag, ok := p.plainTag(v)
	if !ok {
		return nil, false
	}
	return p.node(yaml.ScalarNode, tag, v, 0, i-p.off), true
}

// plainTag is the tag yaml.v3 gives plain scalar v. Text that may be a
// number or timestamp is resolved by yaml.v3 itself, once per distinct text.
func (p *fastParser) plainTag(v string) (string, bool) {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return "!!null", true
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool", true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "!!float", true
	}
	if c := v[0]; !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
		return "!!str", true
	}
	if tag, ok := p.tags[v]; ok {
		return tag, tag != ""
	}
	if len(p.tags) >= fastMaxTags {
		return "", false
	}
	var doc yaml.Node
	tag := ""
	if yaml.Unmarshal([]byte(v), &doc) == nil && len(doc.Content) == 1 {
		if s := doc.Content[0]; s.Kind == yaml.ScalarNode && s.Style == 0 && s.Value == v {
			tag = s.Tag
		}
	}
	if p.tags == nil {
		p.tags = map[string]string{}
	}
	p.tags[v] = tag
	return tag, tag != ""
}

// quoted reads a single- or double-quoted scalar that ends on its line (e
// is the line's end). Escapes in double quotes give up.
func (p *fastParser) quoted(i, e int) (n *yaml.Node, end int, ok bool) {
	q := p.src[i]
	j := i + 1
	var b strings.Builder
	style := yaml.DoubleQuotedStyle
	if q == '\'' {
		style = yaml.SingleQuotedStyle
	}
	from := j
	for {
		if j >= e {
			return nil, 0, false
		}
		c := p.src[j]
		if c == '\\' && q == '"' {
			return nil, 0, false
		}
		if c == q {
			if q == '\'' && j+1 < e && p.src[j+1] == '\'' {
				b.WriteString(p.src[from : j+1])
				j += 2
				from = j
				continue
			}
			break
		}
		j++
	}
	v := p.src[from:j]
	if b.Len() > 0 {
		b.WriteString(v)
		v = b.String()
	}
	return p.node(yaml.ScalarNode, "!!str", v, style, i-p.off), j + 1, true
}

// flow reads a flow mapping ("{k: v, ...}") or sequence ("[a, ...]") at
// offset i that closes on its line; keys and items are scalars, values and
// items may be flow collections too.
func (p *fastParser) flow(i, e, depth int) (n *yaml.Node, end int, ok bool) {
	if depth > fastMaxDepth {
		return nil, 0, false
	}
	kind, tag, close := yaml.SequenceNode, "!!seq", byte(']')
	if p.src[i] == '{' {
		kind, tag, close = yaml.MappingNode, "!!map", '}'
	}
	n = p.node(kind, tag, "", yaml.FlowStyle, i-p.off)
	mark := len(p.stack)
	j := p.space(i+1, e)
	if j < e && p.src[j] == close {
		return n, j + 1, true
	}
	for {
		if kind == yaml.MappingNode {
			if j >= e || p.src[j] == '{' || p.src[j] == '[' {
				return nil, 0, false
			}
			k, after, ok := p.flowKey(j, e)
			if !ok {
				return nil, 0, false
			}
			p.stack = append(p.stack, k)
			j = p.space(after, e)
		}
		v, after, ok := p.inline(j, depth, true)
		if !ok {
			return nil, 0, false
		}
		p.stack = append(p.stack, v)
		var done bool
		if j, done, ok = p.endOrNext(after, e, close); !ok {
			return nil, 0, false
		} else if done {
			n.Content = p.children(mark)
			return n, j, true
		}
	}
}

// endOrNext reads what follows an item of a flow collection at offset i:
// the collection's close (done, j just past it) or a comma and the next
// item's start (j). An empty item, as in "[a,]" or "[a,,b]", gives up.
func (p *fastParser) endOrNext(i, e int, close byte) (j int, done, ok bool) {
	j = p.space(i, e)
	if j >= e {
		return 0, false, false
	}
	switch p.src[j] {
	case close:
		return j + 1, true, true
	case ',':
		j = p.space(j+1, e)
		if j < e && (p.src[j] == close || p.src[j] == ',') {
			return 0, false, false
		}
		return j, false, true
	}
	return 0, false, false
}

// flowKey reads a key inside a flow mapping and the ": " after it.
func (p *fastParser) flowKey(i, e int) (k *yaml.Node, next int, ok bool) {
	switch p.src[i] {
	case '"', '\'':
		k, next, ok = p.quoted(i, e)
		if !ok {
			return nil, 0, false
		}
	default:
		if !plainStart(p.src, i, e) {
			return nil, 0, false
		}
		j := i
		for j < e && p.src[j] != ':' {
			if c := p.src[j]; !wordByte(c) && c != ' ' {
				return nil, 0, false
			}
			j++
		}
		v := strings.TrimRight(p.src[i:j], " ")
		if k, ok = p.plain(v, i); !ok {
			return nil, 0, false
		}
		next = j
	}
	if next+1 >= e || p.src[next] != ':' || p.src[next+1] != ' ' || next-i > fastMaxKey {
		return nil, 0, false
	}
	return k, next + 1, true
}

// space returns the first offset from i, before e, that is not a space.
func (p *fastParser) space(i, e int) int {
	for i < e && p.src[i] == ' ' {
		i++
	}
	return i
}
