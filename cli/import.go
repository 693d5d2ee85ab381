package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/importer"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// importCmd reads domains' current mail records through a provider and prints
// them as schema v1 YAML, so an existing domain comes under management with a
// plan that shows no changes.
func (r *run) importCmd(args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	config := fs.String("c", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(config, "config", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	provider := fs.String("provider", "", "the provider of the configuration that serves the zone")
	zone := fs.String("zone", "", "the zone holding the domains, when it is a parent zone (default: each domain is its zone)")
	write := fs.Bool("write", false, "insert the imported domains into the configuration file (comments and layout kept; domains already in it are refused)")
	format := fs.String("format", "yaml", "output format: yaml (configuration to paste) or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("import", err)
	}
	if *provider == "" {
		return r.usageError("import", fmt.Errorf("--provider is required: the name of a provider in the configuration"))
	}
	if len(pos) == 0 {
		return r.usageError("import", fmt.Errorf("name at least one domain"))
	}
	cfg := r.loadForImport(*config)
	if cfg == nil {
		return ExitError
	}
	prov, ok := r.openProvider(cfg, *provider)
	if !ok {
		return ExitError
	}
	var names []string
	for _, d := range pos {
		names = append(names, strings.ToLower(strings.TrimSuffix(d, ".")))
	}
	docs, err := importer.Read(context.Background(), prov, cfg, importer.Request{
		Names: names, Zone: strings.ToLower(strings.TrimSuffix(*zone, ".")), Provider: *provider, Write: *write})
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if err := importer.Validate(cfg, docs, r.env.LookupEnv); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if *write {
		return r.writeImport(cfg, docs)
	}
	if *format == "json" {
		r.jsonMode()(importer.JSON(docs))
		return ExitOK
	}
	if *format != "yaml" {
		return r.usageError("import", fmt.Errorf("--format must be yaml or json, not %q", *format))
	}
	fmt.Fprintf(r.env.Stdout, "# Imported by mailzone from provider %s. Add the domains below under domains: in\n# %s, then run mailzone plan: it should show no changes.\n", *provider, cfg.File)
	fmt.Fprint(r.env.Stdout, importer.Render(docs))
	return ExitOK
}

// writeImport inserts the imported domains at the end of the configuration's
// domains: mapping (creating it when absent), as text: every other byte of
// the file stays. The edit is checked to load, with every other domain
// unchanged, before the file is replaced.
func (r *run) writeImport(cfg *schema.Config, docs []*importer.Domain) int {
	data, err := importer.Insert(cfg, docs, r.env.LookupEnv)
	if err == nil {
		err = writeScrubbed(cfg.File, data, *r.secrets)
	}
	if err != nil {
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
			err = fmt.Errorf("the configuration with the imported domains does not load; nothing was written")
		}
		r.errorf("%v", err)
		return ExitError
	}
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	fmt.Fprintf(r.env.Stdout, "Added %d domain(s) to %s: %s.\nRun mailzone plan: it should show no changes for them.\n", len(names), cfg.File, strings.Join(names, ", "))
	return ExitOK
}

// openProvider opens one named provider of the configuration, reporting unset
// environment variables first.
func (r *run) openProvider(cfg *schema.Config, name string) (providers.Provider, bool) {
	pc := cfg.Provider(name)
	if pc == nil {
		r.errorf("provider %q is not declared in %s (declared: %s)", name, cfg.File, cfg.DeclaredProviders())
		return nil, false
	}
	if len(pc.Unset) > 0 {
		r.diagnostics(pc.Unset)
		return nil, false
	}
	p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir})
	if err != nil {
		r.errorf("%v", err)
		return nil, false
	}
	if providers.IsManual(p) {
		r.errorf("provider %s is manual: import lists a whole zone, and a zone at the customer's own DNS host can only be read name by name. Write the domain's entry by hand (or onboard it), then plan shows what differs; nothing was changed", name)
		return nil, false
	}
	return p, true
}

// loadForImport loads the configuration import reads providers and defaults
// from. A file with no domains: yet (a new zone repository) is fine here:
// import is how it gets its first ones.
func (r *run) loadForImport(path string) *schema.Config {
	path = r.configPath(path)
	data, err := schema.ReadFile(path)
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil && len(root.Content) > 0 {
		if k, _ := configedit.LookupKey(root.Content[0], "domains"); k == nil && root.Content[0].Kind == yaml.MappingNode {
			cfg, err := schema.Parse(path, append(append([]byte(nil), data...), []byte("\ndomains: {}\n")...), r.env.LookupEnv)
			if err == nil {
				for _, p := range cfg.Providers {
					*r.secrets = append(*r.secrets, p.Secrets()...)
				}
				return cfg
			}
		}
	}
	return r.load(path)
}

// importJSON is import's --format json document (docs/json.md): each domain
// with its fields as YAML values, the fields left out and why, the notes, and
// the entry as it would be written.
