package schema

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// A fleet's mailzone.yaml is mostly its domains: mapping, thousands of
// entries, and yaml.v3 parses a document on one core. parseDocument reads
// the entries of a large block-style domains: mapping in pieces, one per
// core, and splices them into the tree yaml.v3 gives for the whole file:
// same nodes, same lines and columns. Where the file is not plainly cut
// that way (anchors and aliases, several documents, directives, a flow
// mapping, tabs, an indentation it does not follow) or any piece does not
// parse, it parses the whole file as before, so errors are yaml.v3's own.

// splitMin is the size from which parseDocument cuts the file.
var splitMin = 1 << 20

// domainsRest is what may follow domains: on its line.
var domainsRest = regexp.MustCompile(`^[ ]*(#.*)?$`)

// parseDocument parses data as yaml.Unmarshal into a yaml.Node does.
func parseDocument(data []byte) (*yaml.Node, error) {
	if doc := parseSplit(data, runtime.GOMAXPROCS(0)); doc != nil {
		return doc, nil
	}
	var doc yaml.Node
	err := yaml.Unmarshal(data, &doc)
	return &doc, err
}

// hasAlias reports whether data may use an anchor ("*name" after a blank or
// flow indicator): a piece could not resolve one defined in another.
func hasAlias(data []byte) bool {
	for i := bytes.IndexByte(data, '*'); i >= 0; {
		prev, next := byte(' '), byte(' ')
		if i > 0 {
			prev = data[i-1]
		}
		if i+1 < len(data) {
			next = data[i+1]
		}
		if strings.IndexByte(" \n:[,{", prev) >= 0 && strings.IndexByte(" \n,[]{}", next) < 0 {
			return true
		}
		j := bytes.IndexByte(data[i+1:], '*')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// parseSplit parses data in up to n pieces, or returns nil.
func parseSplit(data []byte, n int) *yaml.Node {
	if n < 2 || len(data) == 0 || len(data) < splitMin || data[0] == '%' || bytes.Contains(data, []byte("\n%")) ||
		bytes.Contains(data, []byte("\n---")) || bytes.Contains(data, []byte("\n...")) ||
		bytes.HasPrefix(data, []byte("---")) || bytes.IndexByte(data, '\t') >= 0 || hasAlias(data) {
		return nil
	}
	key := bytes.Index(data, []byte("\ndomains:"))
	if key < 0 || bytes.Contains(data[key+1:], []byte("\ndomains:")) || bytes.HasPrefix(data, []byte("domains:")) {
		return nil
	}
	key += len("\ndomains:")
	nl := bytes.IndexByte(data[key:], '\n')
	if nl < 0 || !domainsRest.Match(data[key:key+nl]) {
		return nil
	}
	start := key + nl + 1 // the line after domains:
	// The entries: lines indented by exactly indent, up to the first line
	// indented less that is not blank or a comment.
	indent, end := -1, len(data)
	var entries []int
	for off := start; off < len(data); {
		next := bytes.IndexByte(data[off:], '\n')
		if next < 0 {
			next = len(data)
		} else {
			next += off + 1
		}
		line := data[off:next]
		sp := 0
		for sp < len(line) && line[sp] == ' ' {
			sp++
		}
		if rest := bytes.TrimSpace(line[sp:]); len(rest) > 0 && rest[0] != '#' {
			if indent < 0 {
				indent = sp
			}
			if sp < indent {
				end = off
				break
			}
			if sp == indent {
				if indent == 0 || rest[0] == '-' || rest[0] == '?' {
					return nil
				}
				entries = append(entries, off)
			}
		}
		off = next
	}
	if len(entries) < 2*n {
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
	lineOf := func(off int) int { return bytes.Count(data[:off], []byte("\n")) }
	// The file without the entries, every line kept so positions stay.
	lines := bytes.Count(data[entries[0]:end], []byte("\n"))
	rest := make([]byte, 0, entries[0]+lines+len(data)-end)
	rest = append(rest, data[:entries[0]]...)
	rest = append(rest, bytes.Repeat([]byte("\n"), lines)...)
	rest = append(rest, data[end:]...)
	docs := make([]yaml.Node, len(cuts))
	errs := make([]error, len(cuts))
	var wg sync.WaitGroup
	for i := range cuts {
		wg.Go(func() {
			if i == len(cuts)-1 {
				errs[i] = yaml.Unmarshal(rest, &docs[i])
				return
			}
			if m, ok := fastBlock(string(data[cuts[i]:cuts[i+1]]), lineOf(cuts[i])+1, indent); ok {
				docs[i] = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{m}}
				return
			}
			piece := append(bytes.Repeat([]byte("\n"), lineOf(cuts[i])), data[cuts[i]:cuts[i+1]]...)
			errs[i] = yaml.Unmarshal(piece, &docs[i])
		})
	}
	wg.Wait()
	var entriesOut []*yaml.Node
	for i := range cuts[:len(cuts)-1] {
		m := docs[i].Content
		if errs[i] != nil || len(m) != 1 || m[0].Kind != yaml.MappingNode || m[0].Column != indent+1 || m[0].Tag != "!!map" {
			return nil
		}
		entriesOut = append(entriesOut, m[0].Content...)
	}
	doc := &docs[len(docs)-1]
	if errs[len(docs)-1] != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, v := root.Content[i], root.Content[i+1]; k.Value == "domains" {
			if v.Kind != yaml.ScalarNode || v.Tag != "!!null" || v.Value != "" {
				return nil
			}
			first := docs[0].Content[0]
			root.Content[i+1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: first.Line, Column: first.Column, Content: entriesOut}
			return doc
		}
	}
	return nil
}
