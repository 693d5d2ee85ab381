package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// Request is what `mailzone import` asks for.
type Request struct {
	// Names are the domains to import, lower case without the trailing dot.
	Names []string
	// Zone is the zone holding them when it is a parent zone; empty means
	// each domain is its own zone.
	Zone string
	// Provider is the configured provider's name, written into the entries.
	Provider string
	// Write is set when the entries go into the configuration file: a domain
	// already in it is then refused.
	Write bool
}

// Read reads each zone the request names once from p and turns each domain
// into configuration entries (see FromRecords). A domain already in cfg is
// refused when writing, and noted otherwise.
func Read(ctx context.Context, p providers.Provider, cfg *schema.Config, req Request) ([]*Domain, error) {
	read := map[string][]rrset.RRset{}
	var docs []*Domain
	for _, name := range req.Names {
		z := name
		if req.Zone != "" {
			z = req.Zone
			if name != z && !strings.HasSuffix(name, "."+z) {
				return nil, fmt.Errorf("domain %s is not inside zone %s", name, z)
			}
		}
		sets, done := read[z]
		if !done {
			var err error
			if sets, err = p.Records(ctx, z); err != nil {
				return nil, fmt.Errorf("zone %s (provider %s): %w", z, req.Provider, err)
			}
			read[z] = sets
		}
		d := FromRecords(name, z, req.Provider, cfg.Defaults.TTL, sets)
		if cfg.Domain(name) != nil {
			if req.Write {
				return nil, fmt.Errorf("domain %s is already in %s; nothing was written (import it without --write to compare)", name, cfg.File)
			}
			d.Notes = append(d.Notes, fmt.Sprintf("%s is already in %s; compare before replacing it", name, cfg.File))
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// Insert returns the configuration file with the domains' entries added at
// the end of domains: (in the file's own indentation, every other byte kept),
// checked to load with every other domain unchanged. env expands ${VAR}
// while checking. A schema.Diagnostics error says why the result would not
// load.
func Insert(cfg *schema.Config, docs []*Domain, env func(string) (string, bool)) ([]byte, error) {
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return nil, err
	}
	step := edit.ChildIndent()
	var entries [][]string
	var names []string
	for _, d := range docs {
		entries = append(entries, Entry(d, step))
		names = append(names, d.Name)
	}
	data, err := edit.AddEntries(entries)
	if err != nil {
		return nil, err
	}
	if _, err := configedit.Check(cfg, cfg.File, data, env, names...); err != nil {
		return nil, err
	}
	return data, nil
}

// JSONVersion is the format_version of JSON.
const JSONVersion = 1

// JSON is the documented shape of `import --format json` (docs/json.md).
func JSON(docs []*Domain) any {
	type field struct {
		Key         string   `json:"key"`
		Value       string   `json:"value"`
		TTL         uint32   `json:"ttl,omitempty"`
		NotImported string   `json:"not_imported,omitempty"`
		Notes       []string `json:"notes,omitempty"`
	}
	type domain struct {
		Name   string   `json:"name"`
		Fields []field  `json:"fields"`
		Notes  []string `json:"notes,omitempty"`
		YAML   string   `json:"yaml"`
	}
	out := struct {
		FormatVersion int      `json:"format_version"`
		Domains       []domain `json:"domains"`
	}{FormatVersion: JSONVersion, Domains: []domain{}}
	for _, d := range docs {
		jd := domain{Name: d.Name, Fields: []field{}, Notes: d.Notes, YAML: strings.Join(Entry(d, 2), "\n") + "\n"}
		for _, f := range d.Fields {
			jd.Fields = append(jd.Fields, field{Key: f.Key, Value: f.Value, TTL: f.TTL, NotImported: f.Off, Notes: f.Notes})
		}
		out.Domains = append(out.Domains, jd)
	}
	return out
}
