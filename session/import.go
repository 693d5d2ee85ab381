package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/importer"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// ImportOptions are import's options.
type ImportOptions struct {
	// Config is -c.
	Config string
	// Provider is the provider of the configuration that serves the zone.
	Provider string
	// Zone is the zone holding the domains, when it is a parent zone.
	Zone string
	// Domains are the domains to import.
	Domains []string
	// Write inserts them into the configuration file.
	Write bool
	// Format is yaml or json.
	Format string
}

// Import reads domains' current mail records through a provider and prints
// them as schema v1 YAML (or inserts them into the configuration), so an
// existing domain comes under management with a plan that shows no changes.
func (r *Session) Import(o ImportOptions) int {
	cfg := r.loadForImport(o.Config)
	if cfg == nil {
		return ExitError
	}
	prov, ok := r.openProvider(cfg, o.Provider)
	if !ok {
		return ExitError
	}
	var names []string
	for _, d := range o.Domains {
		names = append(names, strings.ToLower(strings.TrimSuffix(d, ".")))
	}
	docs, err := importer.Read(context.Background(), prov, cfg, importer.Request{
		Names: names, Zone: strings.ToLower(strings.TrimSuffix(o.Zone, ".")), Provider: o.Provider, Write: o.Write})
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if err := importer.Validate(cfg, docs, r.Env.LookupEnv); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if o.Write {
		return r.writeImport(cfg, docs)
	}
	if o.Format == "json" {
		r.jsonMode()(importer.JSON(docs))
		return ExitOK
	}
	if o.Format != "yaml" {
		return r.UsageError("import", fmt.Errorf("--format must be yaml or json, not %q", o.Format))
	}
	fmt.Fprintf(r.Env.Stdout, "# Imported by mailzone from provider %s. Add the domains below under domains: in\n# %s, then run mailzone plan: it should show no changes.\n", o.Provider, cfg.File)
	fmt.Fprint(r.Env.Stdout, importer.Render(docs))
	return ExitOK
}

// writeImport inserts the imported domains at the end of the configuration's
// domains: mapping (creating it when absent), as text: every other byte of
// the file stays. The edit is checked to load, with every other domain
// unchanged, before the file is replaced.
func (r *Session) writeImport(cfg *schema.Config, docs []*importer.Domain) int {
	data, err := importer.Insert(cfg, docs, r.Env.LookupEnv)
	if err == nil {
		err = writeScrubbed(cfg.File, data, *r.secrets)
	}
	if err != nil {
		return r.editError(err, "the configuration with the imported domains does not load; nothing was written")
	}
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	fmt.Fprintf(r.Env.Stdout, "Added %d domain(s) to %s: %s.\nRun mailzone plan: it should show no changes for them.\n", len(names), cfg.File, strings.Join(names, ", "))
	return ExitOK
}

// openProvider opens one named provider of the configuration, reporting unset
// environment variables first.
func (r *Session) openProvider(cfg *schema.Config, name string) (providers.Provider, bool) {
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
func (r *Session) loadForImport(path string) *schema.Config {
	path = r.configPath(path)
	data, err := schema.ReadFile(path)
	if err != nil {
		r.errorf("%v", err)
		return nil
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil && len(root.Content) > 0 {
		if k, _ := configedit.LookupKey(root.Content[0], "domains"); k == nil && root.Content[0].Kind == yaml.MappingNode {
			cfg, err := schema.Parse(path, append(append([]byte(nil), data...), []byte("\ndomains: {}\n")...), r.Env.LookupEnv)
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
