package importer

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/schema"
)

// Validate runs the imported domains through the loader with the
// configuration's providers and defaults, and turns the findings into
// comments: a field with an error is commented out, so the output always loads.
func Validate(cfg *schema.Config, docs []*Domain, env func(string) (string, bool)) error {
	data, err := schema.ReadFile(cfg.File)
	if err != nil {
		return err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return fmt.Errorf("%s: %v", cfg.File, err)
	}
	var head strings.Builder
	head.WriteString("version: 1\n")
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k == "providers" || k == "defaults" {
			out, err := yaml.Marshal(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{m.Content[i], m.Content[i+1]}})
			if err != nil {
				return err
			}
			head.Write(out)
		}
	}
	for round := 0; round < 10; round++ {
		text := head.String() + Render(docs)
		c, err := schema.Parse(cfg.File, []byte(text), env)
		var diags schema.Diagnostics
		if c != nil {
			diags = append(diags, c.Warnings...)
		}
		if ds, ok := err.(schema.Diagnostics); ok {
			diags = append(diags, ds...)
		} else if err != nil {
			return err
		}
		changed := false
		for _, dg := range diags {
			d, f := findField(docs, dg.Field)
			if d == nil {
				if dg.Severity == schema.Error {
					return fmt.Errorf("imported configuration does not load: %s", dg)
				}
				continue
			}
			msg := dg.Severity.String() + ": " + dg.Msg
			if f == nil || f.Off != "" {
				if !slices.Contains(d.Notes, msg) {
					d.Notes = append(d.Notes, msg)
				}
				continue
			}
			if dg.Severity == schema.Error {
				f.Off = dg.Msg
				changed = true
			} else if !slices.Contains(f.Notes, msg) {
				f.Notes = append(f.Notes, msg)
			}
		}
		if !changed {
			if ds, ok := err.(schema.Diagnostics); ok {
				return fmt.Errorf("imported configuration does not load: %v", ds)
			}
			return nil
		}
	}
	return fmt.Errorf("imported configuration does not load")
}

// findField maps a diagnostic's field path ("domains.a.example.dkim.s1.public_key")
// to the imported domain and field it is about.
func findField(docs []*Domain, path string) (*Domain, *Field) {
	for _, d := range docs {
		prefix := "domains." + d.Name
		if path != prefix && !strings.HasPrefix(path, prefix+".") {
			continue
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(path, prefix), ".")
		var best *Field
		for _, f := range d.Fields {
			if (rest == f.Key || strings.HasPrefix(rest, f.Key+".") || strings.HasPrefix(rest, f.Key+"[")) && (best == nil || len(f.Key) > len(best.Key)) {
				best = f
			}
		}
		return d, best
	}
	return nil, nil
}

// Render writes the domains as a domains: mapping.
func Render(docs []*Domain) string {
	var b strings.Builder
	b.WriteString("domains:\n")
	for _, d := range docs {
		for _, l := range Entry(d, 2) {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// Entry writes one domain as lines: its key at indent 0, fields one
// step in, DKIM selectors two.
func Entry(d *Domain, step int) []string {
	var out []string
	in1, in2 := strings.Repeat(" ", step), strings.Repeat(" ", 2*step)
	out = append(out, configedit.Scalar(d.Name)+":")
	for _, n := range d.Notes {
		out = append(out, in1+"# "+oneLine(n))
	}
	for _, h := range d.Head {
		out = append(out, in1+h)
	}
	dkimOn := false
	for _, f := range d.Fields {
		if strings.HasPrefix(f.Key, "dkim.") && f.Off == "" {
			dkimOn = true
		}
	}
	dkimOpen := false
	for _, f := range d.Fields {
		key, indent := f.Key, in1
		if sel, ok := strings.CutPrefix(f.Key, "dkim."); ok {
			if !dkimOpen {
				if dkimOn {
					out = append(out, in1+"dkim:")
				} else {
					out = append(out, in1+"# dkim:")
				}
				dkimOpen = true
			}
			key, indent = configedit.Scalar(sel), in2
		}
		for _, n := range f.Notes {
			out = append(out, indent+"# "+oneLine(n))
		}
		if f.Off != "" {
			out = append(out, indent+"# not imported: "+oneLine(f.Off), indent+"# "+key+": "+f.Value)
			continue
		}
		out = append(out, indent+key+": "+f.Value)
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func yamlList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = configedit.Scalar(v)
	}
	return "[" + strings.Join(out, ", ") + "]"
}
