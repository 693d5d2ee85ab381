// Package configedit edits mailzone.yaml as text, never by re-serializing
// it: onboard, dkim rotate and retire, and import --write insert or replace
// lines at the places the yaml.v3 node tree locates, so every other byte of
// the file (comments, blank lines, quoting, flow and block styles, anchors)
// stays as the user wrote it. Every edit is loaded again and checked (Check)
// before it is written (WriteAtomic).
package configedit

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/schema"
)

// File is a configuration file being edited.
type File struct {
	path  string
	data  []byte
	Root  *yaml.Node // the document's top-level mapping
	eol   string     // the file's line ending
	lines []string   // data split after each newline
}

func Read(path string) (*File, error) {
	data, err := schema.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the top level is not a mapping", path)
	}
	e := &File{path: path, data: data, Root: doc.Content[0], eol: "\n"}
	if bytes.Contains(data, []byte("\r\n")) {
		e.eol = "\r\n"
	}
	e.lines = strings.SplitAfter(string(data), "\n")
	if e.lines[len(e.lines)-1] == "" {
		e.lines = e.lines[:len(e.lines)-1]
	}
	return e, nil
}

// LookupKey returns the key and value nodes of key in mapping m.
func LookupKey(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// indentOf counts the leading spaces of a line.
func indentOf(line string) int {
	return len(line) - len(strings.TrimLeft(line, " "))
}

// isBlankOrComment reports whether a line holds no YAML content.
func isBlankOrComment(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || strings.HasPrefix(t, "#")
}

// blockEnd returns the index of the line before which new entries of a block
// mapping go: after its last line of content, and after comments indented at
// least as deep as its keys (a commented-out entry), but before blank lines and
// less indented comments that introduce what follows. firstLine is the 1-based
// line of the mapping's first key and indent its column minus one.
func (e *File) blockEnd(firstLine, indent int) int {
	end := firstLine // index after the first key's line
	for i := firstLine; i < len(e.lines); i++ {
		l := e.lines[i]
		if isBlankOrComment(l) {
			if strings.TrimSpace(l) != "" && indentOf(l) >= indent && end == i {
				end = i + 1
			}
			continue
		}
		if indentOf(l) < indent || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
			break
		}
		end = i + 1
	}
	return end
}

// insert returns the file with lines (without line endings) inserted before
// line index at, and checks that removing them gives the file back.
func (e *File) insert(at int, lines []string) ([]byte, error) {
	var ins strings.Builder
	for _, l := range lines {
		ins.WriteString(l + e.eol)
	}
	before := strings.Join(e.lines[:at], "")
	after := strings.Join(e.lines[at:], "")
	fix := ""
	if before != "" && !strings.HasSuffix(before, "\n") {
		fix = e.eol // the file ended without a newline
	}
	out := before + fix + ins.String() + after
	if before+after != string(e.data) || strings.Replace(out, fix+ins.String(), "", 1) != string(e.data) {
		return nil, fmt.Errorf("%s: internal error: the edit would change other lines; nothing was written", e.path)
	}
	return []byte(out), nil
}

// ChildIndent guesses the indentation step of nested mappings from the file:
// the distance between a domain's key and its first field, else 2.
func (e *File) ChildIndent() int {
	_, domains := LookupKey(e.Root, "domains")
	if domains != nil && domains.Kind == yaml.MappingNode && domains.Style&yaml.FlowStyle == 0 {
		for i := 0; i+1 < len(domains.Content); i += 2 {
			k, v := domains.Content[i], domains.Content[i+1]
			if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Column > k.Column {
				return v.Content[0].Column - k.Column
			}
		}
	}
	for _, n := range e.Root.Content {
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0 && n.Content[0].Column > 1 {
			return n.Content[0].Column - 1
		}
	}
	return 2
}

// AddEntries inserts whole domain entries (each its key line at indent 0 and
// its lines below, indented with the file's step) at the end of the domains:
// mapping, creating "domains:" at the end of the file when there is none.
func (e *File) AddEntries(entries [][]string) ([]byte, error) {
	key, domains := LookupKey(e.Root, "domains")
	var lines []string
	indent := func(n int) {
		pad := strings.Repeat(" ", n)
		for _, en := range entries {
			for _, l := range en {
				lines = append(lines, pad+l)
			}
		}
	}
	switch {
	case key == nil:
		step := e.ChildIndent()
		lines = append(lines, "domains:")
		indent(step)
		at := len(e.lines)
		return e.insert(at, lines)
	case domains.Kind == yaml.MappingNode && domains.Style&yaml.FlowStyle == 0 && len(domains.Content) > 0:
		first := domains.Content[0]
		indent(first.Column - 1)
		return e.insert(e.blockEnd(first.Line, first.Column-1), lines)
	case domains.Kind == yaml.ScalarNode && domains.Tag == "!!null" && strings.TrimSpace(strings.SplitN(e.lines[key.Line-1], ":", 2)[1]) == "":
		indent(key.Column - 1 + e.ChildIndent())
		return e.insert(e.blockEnd(key.Line, key.Column), lines)
	case domains.Kind == yaml.MappingNode && len(domains.Content) == 0 && key.Line == domains.Line:
		// "domains: {}": the {} goes, the entries follow on the next lines.
		l := e.lines[key.Line-1]
		i := strings.Index(l[key.Column-1:], "{}")
		if i < 0 {
			break
		}
		i += key.Column - 1
		e2 := *e
		e2.lines = append(append(append([]string(nil), e.lines[:key.Line-1]...), strings.TrimRight(l[:i], " ")+l[i+2:]), e.lines[key.Line:]...)
		e2.data = []byte(strings.Join(e2.lines, ""))
		indent(key.Column - 1 + e.ChildIndent())
		return e2.insert(key.Line, lines)
	}
	return nil, fmt.Errorf("%s: domains: is written in flow style ({...}); write it as a block mapping to let mailzone add domains", e.path)
}

// AddDomain inserts a domain entry (its field lines, unindented) at the end of
// the domains: mapping.
func (e *File) AddDomain(name string, fields []string) ([]byte, error) {
	key, domains := LookupKey(e.Root, "domains")
	if key == nil {
		return nil, fmt.Errorf("%s has no domains: mapping", e.path)
	}
	step := e.ChildIndent()
	entry := func(indent int) []string {
		pad := strings.Repeat(" ", indent)
		out := []string{pad + Scalar(name) + ":"}
		for _, f := range fields {
			out = append(out, pad+strings.Repeat(" ", step)+f)
		}
		return out
	}
	switch {
	case domains.Kind == yaml.MappingNode && domains.Style&yaml.FlowStyle == 0 && len(domains.Content) > 0:
		first := domains.Content[0]
		return e.insert(e.blockEnd(first.Line, first.Column-1), entry(first.Column-1))
	case domains.Kind == yaml.ScalarNode && domains.Tag == "!!null" && strings.TrimSpace(strings.SplitN(e.lines[key.Line-1], ":", 2)[1]) == "":
		// "domains:" with nothing after it yet.
		return e.insert(e.blockEnd(key.Line, key.Column), entry(key.Column-1+step))
	case domains.Kind == yaml.MappingNode && len(domains.Content) == 0 && key.Line == domains.Line:
		// "domains: {}": the {} goes, the entry follows on the next lines.
		l := e.lines[key.Line-1]
		i := strings.Index(l[key.Column-1:], "{}")
		if i < 0 {
			break
		}
		i += key.Column - 1
		head := strings.TrimRight(l[:i], " ") + l[i+2:]
		e2 := *e
		e2.lines = append(append(append([]string(nil), e.lines[:key.Line-1]...), head), e.lines[key.Line:]...)
		e2.data = []byte(strings.Join(e2.lines, ""))
		return e2.insert(key.Line, entry(key.Column-1+step))
	}
	return nil, fmt.Errorf("%s: domains: is written in flow style ({...}); write it as a block mapping to let mailzone add domains", e.path)
}

// AddSelector inserts a DKIM selector entry (sel, and its value in flow
// style) into a domain's dkim mapping, adding the mapping when the domain has
// none. Block and flow styles are both edited in place; a domain or dkim
// mapping that is an alias of an anchor is refused, since the edit would
// change every domain that shares it.
func (e *File) AddSelector(domain, sel, value string) ([]byte, error) {
	_, domains := LookupKey(e.Root, "domains")
	dk, dv := LookupKey(domains, domain)
	if dk == nil {
		return nil, fmt.Errorf("domain %s is not in %s", domain, e.path)
	}
	if dv.Kind == yaml.AliasNode {
		return nil, fmt.Errorf("%s:%d: domain %s is the alias *%s, shared with the anchor's other users; write it out as its own mapping to add a selector to it alone", e.path, dv.Line, domain, dv.Value)
	}
	if dv.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: domain %s has no mapping of fields to add a selector to", e.path, dk.Line, domain)
	}
	line := Scalar(sel) + ": " + value
	kk, kv := LookupKey(dv, "dkim")
	if kk != nil && kv.Kind == yaml.AliasNode {
		return nil, fmt.Errorf("%s:%d: the dkim mapping of %s is the alias *%s, shared with the anchor's other users; write the selectors out for this domain to add one to it alone", e.path, kv.Line, domain, kv.Value)
	}
	if kk != nil && kv.Anchor != "" {
		return nil, fmt.Errorf("%s:%d: the dkim mapping of %s is the anchor &%s, which other domains may share; add the selector by hand", e.path, kv.Line, domain, kv.Anchor)
	}
	switch {
	case kk == nil && dv.Style&yaml.FlowStyle != 0:
		sep := ", "
		if len(dv.Content) == 0 {
			sep = ""
		}
		return e.insertFlow(dv, sep+"dkim: {"+line+"}")
	case kk == nil && len(dv.Content) > 0:
		step := dv.Content[0].Column - dk.Column
		pad := strings.Repeat(" ", dv.Content[0].Column-1)
		return e.insert(e.blockEnd(dv.Content[0].Line, dv.Content[0].Column-1), []string{pad + "dkim:", pad + strings.Repeat(" ", step) + line})
	case kv.Kind == yaml.MappingNode && kv.Style&yaml.FlowStyle != 0:
		sep := ", "
		if len(kv.Content) == 0 {
			sep = ""
		}
		return e.insertFlow(kv, sep+line)
	case kv.Kind == yaml.MappingNode && len(kv.Content) > 0:
		first := kv.Content[0]
		return e.insert(e.blockEnd(first.Line, first.Column-1), []string{strings.Repeat(" ", first.Column-1) + line})
	}
	return nil, fmt.Errorf("%s: the dkim entry of %s is not a mapping of selectors; add the selector by hand", e.path, domain)
}

// ReplaceSelector replaces the value of one DKIM selector of a domain with
// value (a flow mapping), keeping the key, its position and any comment
// after it. A selector whose value is shared through an anchor is refused.
func (e *File) ReplaceSelector(domain, sel, value string) ([]byte, error) {
	_, domains := LookupKey(e.Root, "domains")
	_, dv := LookupKey(domains, domain)
	_, kv := LookupKey(dv, "dkim")
	sk, sv := LookupKey(kv, sel)
	if sk == nil {
		return nil, fmt.Errorf("%s: selector %s of %s not found", e.path, sel, domain)
	}
	if sv.Kind == yaml.AliasNode || sv.Anchor != "" {
		return nil, fmt.Errorf("%s:%d: the value of selector %s is shared through an anchor; edit it by hand", e.path, sv.Line, sel)
	}
	start := e.offset(sv.Line, sv.Column)
	end := -1
	switch {
	case sv.Kind == yaml.MappingNode && sv.Style&yaml.FlowStyle != 0:
		if c := flowClose(string(e.data), start); c >= 0 {
			end = c + 1
		}
	case sv.Kind == yaml.MappingNode && len(sv.Content) > 0:
		// A block mapping: from its first key to the end of its block.
		first := sv.Content[0]
		stop := e.blockEnd(first.Line, first.Column-1)
		out := strings.Join(e.lines[:sk.Line-1], "") + e.lines[sk.Line-1][:sk.Column-1] + Scalar(sel) + ": " + value + e.eol + strings.Join(e.lines[stop:], "")
		return []byte(out), nil
	}
	if start < 0 || end < 0 {
		return nil, fmt.Errorf("%s:%d: cannot find the value of selector %s; edit it by hand", e.path, sv.Line, sel)
	}
	return []byte(string(e.data[:start]) + value + string(e.data[end:])), nil
}

// insertFlow inserts text just before the closing brace of the flow mapping
// that starts at node n.
func (e *File) insertFlow(n *yaml.Node, text string) ([]byte, error) {
	start := e.offset(n.Line, n.Column)
	end := flowClose(string(e.data), start)
	if start < 0 || end < 0 {
		return nil, fmt.Errorf("%s:%d: cannot find the end of the {...} mapping; add the entry by hand", e.path, n.Line)
	}
	// Keep "}" where it was when the mapping ends on its own line.
	at := end
	for at > start && (e.data[at-1] == ' ' || e.data[at-1] == '\t') {
		at--
	}
	if at > start && (e.data[at-1] == '\n') {
		at = end
	}
	out := string(e.data[:at]) + text + string(e.data[at:])
	if strings.Replace(out, text, "", 1) != string(e.data) {
		return nil, fmt.Errorf("%s: internal error: the edit would change other text; nothing was written", e.path)
	}
	return []byte(out), nil
}

// offset returns the byte offset of a 1-based line and (rune) column.
func (e *File) offset(line, col int) int {
	if line < 1 || line > len(e.lines) {
		return -1
	}
	off := 0
	for _, l := range e.lines[:line-1] {
		off += len(l)
	}
	l := e.lines[line-1]
	c := 1
	for i := range l {
		if c == col {
			return off + i
		}
		c++
	}
	return -1
}

// flowClose returns the offset of the brace or bracket that closes the flow
// collection opening at data[start], skipping quoted scalars and comments, or
// -1.
func flowClose(data string, start int) int {
	if start < 0 || start >= len(data) || (data[start] != '{' && data[start] != '[') {
		return -1
	}
	depth := 0
	for i := start; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(data); i++ {
				if data[i] == '\'' {
					if i+1 < len(data) && data[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && (data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n') {
				for i < len(data) && data[i] != '\n' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
