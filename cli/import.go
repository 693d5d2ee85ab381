package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/mailzone/mailzone/configedit"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/spf"
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
		name := strings.ToLower(strings.TrimSuffix(d, "."))
		if z := strings.ToLower(strings.TrimSuffix(*zone, ".")); z != "" && name != z && !strings.HasSuffix(name, "."+z) {
			r.errorf("domain %s is not inside zone %s", name, z)
			return ExitError
		}
		names = append(names, name)
	}
	ctx := context.Background()
	read := map[string][]rrset.RRset{}
	var docs []*importedDomain
	for _, name := range names {
		z := name
		if *zone != "" {
			z = strings.ToLower(strings.TrimSuffix(*zone, "."))
		}
		sets, done := read[z]
		if !done {
			sets, err = prov.Records(ctx, z)
			if err != nil {
				r.errorf("zone %s (provider %s): %v", z, *provider, err)
				return ExitError
			}
			read[z] = sets
		}
		d := importDomain(name, z, *provider, cfg.Defaults.TTL, sets)
		if cfg.Domain(name) != nil {
			if *write {
				r.errorf("domain %s is already in %s; nothing was written (import it without --write to compare)", name, cfg.File)
				return ExitError
			}
			d.notes = append(d.notes, fmt.Sprintf("%s is already in %s; compare before replacing it", name, cfg.File))
		}
		docs = append(docs, d)
	}
	if err := validateImport(cfg, docs, r.env.LookupEnv); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	if *write {
		return r.writeImport(cfg, docs, names)
	}
	if *format == "json" {
		r.jsonMode()(importJSON(docs))
		return ExitOK
	}
	if *format != "yaml" {
		return r.usageError("import", fmt.Errorf("--format must be yaml or json, not %q", *format))
	}
	fmt.Fprintf(r.env.Stdout, "# Imported by mailzone from provider %s. Add the domains below under domains: in\n# %s, then run mailzone plan: it should show no changes.\n", *provider, cfg.File)
	fmt.Fprint(r.env.Stdout, renderImport(docs))
	return ExitOK
}

// writeImport inserts the imported domains at the end of the configuration's
// domains: mapping (creating it when absent), as text: every other byte of
// the file stays. The edit is checked to load, with every other domain
// unchanged, before the file is replaced.
func (r *run) writeImport(cfg *schema.Config, docs []*importedDomain, names []string) int {
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	step := edit.ChildIndent()
	var entries [][]string
	for _, d := range docs {
		entries = append(entries, renderEntry(d, step))
	}
	data, err := edit.AddEntries(entries)
	if err == nil {
		_, err = configedit.Check(cfg, cfg.File, data, r.env.LookupEnv, names...)
	}
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
	fmt.Fprintf(r.env.Stdout, "Added %d domain(s) to %s: %s.\nRun mailzone plan: it should show no changes for them.\n", len(names), cfg.File, strings.Join(names, ", "))
	return ExitOK
}

// openProvider opens one named provider of the configuration, reporting unset
// environment variables first.
func (r *run) openProvider(cfg *schema.Config, name string) (providers.Provider, bool) {
	pc := cfg.Provider(name)
	if pc == nil {
		r.errorf("provider %q is not declared in %s (declared: %s)", name, cfg.File, declaredProviders(cfg))
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
	return p, true
}

func declaredProviders(cfg *schema.Config) string {
	var names []string
	for _, p := range cfg.Providers {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// importedDomain is one domain's configuration as import writes it.
type importedDomain struct {
	name   string
	head   []string // key: value lines before the record fields (provider, zone, ttl)
	notes  []string // comments about the domain as a whole
	fields []*importField
}

// importField is one record field: "mx", "spf", "dkim.<selector>", ...
type importField struct {
	key   string
	value string   // the YAML value, inline
	notes []string // comments written above the field
	off   string   // why the field is written as a comment only
	ttl   uint32   // the TTL of the records it came from
}

// importDomain turns the records of one domain into configuration fields.
func importDomain(name, zone, provider string, defaultTTL uint32, sets []rrset.RRset) *importedDomain {
	d := &importedDomain{name: name}
	d.head = append(d.head, "provider: "+configedit.Scalar(provider))
	if zone != name {
		d.head = append(d.head, "zone: "+configedit.Scalar(zone))
	}
	apex := name + "."
	idx := rrset.Index(sets)
	get := func(n, typ string) rrset.RRset { return idx[rrset.Key{Name: n, Type: typ}] }
	add := func(f *importField) { d.fields = append(d.fields, f) }

	// MX
	parked := false
	if mx := get(apex, "MX"); !mx.Empty() {
		f := &importField{key: "mx", ttl: mx.TTL}
		type pref struct {
			p    int
			host string
		}
		var all []pref
		for _, v := range mx.Values {
			var p pref
			fields := strings.Fields(v)
			if len(fields) == 2 {
				p.p, _ = strconv.Atoi(fields[0])
				p.host = fields[1]
			}
			all = append(all, p)
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].p < all[j].p })
		best := all[0]
		if len(all) > 1 {
			f.notes = append(f.notes, fmt.Sprintf("the zone has %d MX records (%s); mailzone manages a single MX,", len(all), strings.Join(mx.Values, ", ")),
				"so the one with the lowest preference is kept and the plan removes the others")
		}
		switch {
		case best.host == "." && len(all) == 1:
			parked = true
		case best.host == ".":
			f.off = "a null MX beside other MX records is not valid (RFC 7505)"
			f.value = configedit.Scalar(".")
		case best.p == 10:
			f.value = configedit.Scalar(strings.TrimSuffix(best.host, "."))
		default:
			f.value = fmt.Sprintf("{host: %s, preference: %d}", configedit.Scalar(strings.TrimSuffix(best.host, ".")), best.p)
		}
		if !parked {
			add(f)
		}
	}
	if parked {
		d.head = append(d.head, "mail: none")
		d.notes = append(d.notes, "the null MX says the domain receives no mail: imported as a parked domain, which",
			`publishes "v=spf1 -all", "v=DKIM1; p=" at *._domainkey and DMARC p=reject`)
	}

	// SPF
	var spfs []string
	for _, v := range get(apex, "TXT").Values {
		if schema.IsSPF(v) {
			spfs = append(spfs, v)
		}
	}
	if len(spfs) > 0 && !parked {
		f := &importField{key: "spf", ttl: get(apex, "TXT").TTL}
		if len(spfs) > 1 {
			f.notes = append(f.notes, fmt.Sprintf("the zone has %d SPF records, which makes SPF fail (RFC 7208 §4.5); the first is", len(spfs)),
				"kept and the plan removes the others")
		}
		f.value, f.notes = spfValue(spfs[0], f.notes)
		add(f)
	} else if parked && len(spfs) > 0 && (len(spfs) != 1 || spfs[0] != "v=spf1 -all") {
		d.notes = append(d.notes, fmt.Sprintf("the plan replaces the SPF record %s with \"v=spf1 -all\"", strconv.Quote(spfs[0])))
	}

	// DKIM
	suffix := "._domainkey." + apex
	var selectors []string
	seen := map[string]bool{}
	for _, s := range sets {
		if strings.HasSuffix(s.Name, suffix) && (s.Type == "TXT" || s.Type == "CNAME") {
			sel := strings.TrimSuffix(s.Name, suffix)
			if !seen[sel] && sel != "*" && !strings.Contains(sel, "._domainkey") {
				seen[sel] = true
				selectors = append(selectors, sel)
			}
		}
	}
	sort.Strings(selectors)
	for _, sel := range selectors {
		if parked {
			d.notes = append(d.notes, fmt.Sprintf("DKIM selector %s is published; a parked domain declares every selector revoked through *._domainkey", sel))
			continue
		}
		add(dkimField(sel, get(sel+suffix, "TXT"), get(sel+suffix, "CNAME")))
	}

	// DMARC
	dm := get("_dmarc."+apex, "TXT")
	var dmarcs []string
	for _, v := range dm.Values {
		if schema.IsDMARC(v) {
			dmarcs = append(dmarcs, v)
		}
	}
	if c := get("_dmarc."+apex, "CNAME"); !c.Empty() {
		d.notes = append(d.notes, fmt.Sprintf("_dmarc is a CNAME to %s; not imported. Declaring dmarc replaces it with a TXT record", c.Values[0]))
	}
	if len(dmarcs) > 0 {
		f := &importField{key: "dmarc", ttl: dm.TTL}
		if len(dmarcs) > 1 {
			f.notes = append(f.notes, fmt.Sprintf("the zone has %d DMARC records, which receivers ignore (RFC 7489 §6.6.3); the", len(dmarcs)),
				"first is kept and the plan removes the others")
		}
		f.value, f.notes, f.off = dmarcValue(dmarcs[0], f.notes)
		if parked && f.off == "" && f.value == `{policy: reject, subdomain_policy: reject}` {
			// what mail: none publishes anyway
		} else {
			add(f)
		}
	}

	// MTA-STS, TLS-RPT, BIMI: only the exact forms mailzone publishes.
	if !parked {
		if f := simpleTXT(get("_mta-sts."+apex, "TXT"), "mta_sts", regexp.MustCompile(`^v=STSv1; id=([A-Za-z0-9]{1,32})$`), func(m []string) string {
			return "{id: " + strconv.Quote(m[1]) + "}"
		}); f != nil {
			if f.off == "" {
				f.notes = append(f.notes, "the mode (enforce, testing) lives in the policy file at https://mta-sts."+name+"/.well-known/mta-sts.txt")
			}
			add(f)
		}
		if f := simpleTXT(get("_smtp._tls."+apex, "TXT"), "tls_rpt", regexp.MustCompile(`^v=TLSRPTv1; rua=((?:mailto:|https://)[^,; ]+(?:,(?:mailto:|https://)[^,; ]+)*)$`), func(m []string) string {
			return "{rua: " + yamlList(strings.Split(m[1], ",")) + "}"
		}); f != nil {
			add(f)
		}
		if f := simpleTXT(get("default._bimi."+apex, "TXT"), "bimi", regexp.MustCompile(`^v=BIMI1; l=(https://[^; ]+)(?:; a=(https://[^; ]+))?$`), func(m []string) string {
			if m[2] != "" {
				return "{logo: " + configedit.Scalar(m[1]) + ", authority: " + configedit.Scalar(m[2]) + "}"
			}
			return "{logo: " + configedit.Scalar(m[1]) + "}"
		}); f != nil {
			add(f)
		}
	}

	// TTL: one per domain. Take the most common one among the imported records.
	count := map[uint32]int{}
	for _, f := range d.fields {
		if f.off == "" && f.ttl > 0 {
			count[f.ttl]++
		}
	}
	if parked {
		for _, k := range []rrset.Key{{Name: apex, Type: "MX"}, {Name: "_dmarc." + apex, Type: "TXT"}} {
			if s := idx[k]; !s.Empty() {
				count[s.TTL]++
			}
		}
	}
	ttl, best := defaultTTL, 0
	var ttls []uint32
	for t, n := range count {
		ttls = append(ttls, t)
		if n > best || (n == best && t == defaultTTL) || (n == best && t > ttl && ttl != defaultTTL) {
			ttl, best = t, n
		}
	}
	slices.Sort(ttls)
	if ttl != defaultTTL && best > 0 {
		d.head = append(d.head, "ttl: "+strconv.FormatUint(uint64(ttl), 10))
	}
	if len(ttls) > 1 {
		var s []string
		for _, t := range ttls {
			s = append(s, strconv.FormatUint(uint64(t), 10))
		}
		d.notes = append(d.notes, fmt.Sprintf("the records have TTLs %s; mailzone publishes one TTL per domain, so the plan", strings.Join(s, ", ")),
			fmt.Sprintf("sets %d on the others", ttl))
	}
	return d
}

// spfValue renders an SPF record in builder form when that renders it back
// byte for byte, and raw otherwise.
func spfValue(text string, notes []string) (string, []string) {
	rec, err := spf.Parse(text)
	if err != nil {
		return configedit.Scalar(text), append(notes, "not valid SPF: "+err.Error())
	}
	if rec.String() != text {
		notes = append(notes, "written in canonical form; the plan rewrites "+strconv.Quote(text))
	}
	spec, ok := spf.FromRecord(rec)
	if !ok || spec.Render() != rec.String() {
		if hasTerm(rec, "~all") {
			return "{raw: " + configedit.Scalar(rec.String()) + ", allow_softfail: true}", append(notes, "~all is not strict; change it to -all once every sender is listed")
		}
		return configedit.Scalar(rec.String()), notes
	}
	var parts []string
	if spec.A {
		parts = append(parts, "a: true")
	}
	if spec.MX {
		parts = append(parts, "mx: true")
	}
	if len(spec.IP4) > 0 {
		parts = append(parts, "ip4: "+yamlList(spec.IP4))
	}
	if len(spec.IP6) > 0 {
		parts = append(parts, "ip6: "+yamlList(spec.IP6))
	}
	if len(spec.Include) > 0 {
		parts = append(parts, "include: "+yamlList(spec.Include))
	}
	if spec.All != "" {
		parts = append(parts, "all: "+spec.All)
	}
	if spec.All == "softfail" {
		parts = append(parts, "allow_softfail: true")
		notes = append(notes, "~all is not strict; change it to all: fail once every sender is listed")
	}
	if spec.Redirect != "" {
		parts = append(parts, "redirect: "+configedit.Scalar(spec.Redirect))
	}
	return "{" + strings.Join(parts, ", ") + "}", notes
}

func hasTerm(rec *spf.Record, text string) bool {
	for _, t := range rec.Terms {
		if t.Text == text {
			return true
		}
	}
	return false
}

// dmarcValue renders a DMARC record in builder form when that renders it back
// byte for byte, and raw otherwise.
func dmarcValue(text string, notes []string) (value string, _ []string, off string) {
	rec, problems := dmarc.ParsePublished(text)
	for _, p := range problems {
		if p.Severity == dmarc.Error {
			return configedit.Scalar(text), notes, "not a valid DMARC record: " + p.Error()
		}
		if strings.HasPrefix(p.Msg, "no p") {
			notes = append(notes, p.Msg)
		}
	}
	if rec.String() != text {
		notes = append(notes, "written in canonical form; the plan rewrites "+strconv.Quote(text))
	}
	spec, ok := dmarc.FromRecord(rec)
	if !ok || spec.Render() != rec.String() {
		return configedit.Scalar(rec.String()), notes, ""
	}
	var parts []string
	str := func(k, v string) {
		if v != "" {
			parts = append(parts, k+": "+configedit.Scalar(v))
		}
	}
	str("policy", spec.Policy)
	str("subdomain_policy", spec.SubdomainPolicy)
	str("nonexistent_policy", spec.NonexistentPolicy)
	str("adkim", spec.ADKIM)
	str("aspf", spec.ASPF)
	if spec.PCT != nil {
		parts = append(parts, "pct: "+strconv.Itoa(*spec.PCT))
	}
	str("rf", spec.RF)
	if spec.RI != nil {
		parts = append(parts, "ri: "+strconv.Itoa(*spec.RI))
	}
	if len(spec.RUA) > 0 {
		parts = append(parts, "rua: "+yamlList(spec.RUA))
	}
	if len(spec.RUF) > 0 {
		parts = append(parts, "ruf: "+yamlList(spec.RUF))
	}
	str("fo", spec.FO)
	if spec.Testing {
		parts = append(parts, "testing: true")
	}
	str("psd", spec.PSD)
	return "{" + strings.Join(parts, ", ") + "}", notes, ""
}

// dkimField imports one selector: a CNAME, a revoked key, or a key whose
// record mailzone renders byte for byte. Anything else is left as a comment,
// so the plan does not rewrite it.
func dkimField(sel string, txt, cname rrset.RRset) *importField {
	f := &importField{key: "dkim." + sel}
	switch {
	case !cname.Empty():
		f.ttl = cname.TTL
		f.value = "{cname: " + configedit.Scalar(strings.TrimSuffix(cname.Values[0], ".")) + "}"
		if !txt.Empty() {
			f.notes = append(f.notes, "a TXT record beside the CNAME is not valid DNS; the plan removes it")
		}
		return f
	case len(txt.Values) != 1:
		f.off = fmt.Sprintf("%d TXT records at the selector; mailzone publishes one", len(txt.Values))
		f.value = "{public_key: ...}"
		return f
	}
	f.ttl = txt.TTL
	text := txt.Values[0]
	rec, problems := dkim.ParseRecord(text)
	for _, p := range problems {
		if p.Severity == dkim.Error {
			f.value = "{public_key: ...}"
			f.off = "not a usable DKIM record: " + p.Error()
			return f
		}
	}
	if rec.Revoked() {
		f.value = "{revoked: true}"
		if text != dkim.Revoked() {
			f.notes = append(f.notes, fmt.Sprintf("published as %s; the plan rewrites it as %s", strconv.Quote(text), strconv.Quote(dkim.Revoked())))
		}
		return f
	}
	key, _ := rec.Key()
	p, _ := rec.Get("p")
	f.value = "{public_key: " + strconv.Quote(p) + "}"
	if key.Record() != text {
		f.off = fmt.Sprintf("mailzone would publish it as %s; left out so the plan does not rewrite it", strconv.Quote(shorten(key.Record())))
	}
	return f
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:40] + "…" + s[len(s)-12:]
	}
	return s
}

// simpleTXT imports a record that must match re exactly to be written in the
// builder form.
func simpleTXT(set rrset.RRset, key string, re *regexp.Regexp, value func([]string) string) *importField {
	if set.Empty() {
		return nil
	}
	f := &importField{key: key, ttl: set.TTL}
	if len(set.Values) > 1 {
		f.off = fmt.Sprintf("%d TXT records; mailzone publishes one", len(set.Values))
		f.value = "..."
		return f
	}
	m := re.FindStringSubmatch(set.Values[0])
	if m == nil {
		f.off = "published as " + strconv.Quote(set.Values[0]) + ", which mailzone cannot write the same way"
		f.value = "..."
		return f
	}
	f.value = value(m)
	return f
}

// validateImport runs the imported domains through the loader with the
// configuration's providers and defaults, and turns the findings into
// comments: a field with an error is commented out, so the output always loads.
func validateImport(cfg *schema.Config, docs []*importedDomain, env func(string) (string, bool)) error {
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
		text := head.String() + renderImport(docs)
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
			if f == nil || f.off != "" {
				if !slices.Contains(d.notes, msg) {
					d.notes = append(d.notes, msg)
				}
				continue
			}
			if dg.Severity == schema.Error {
				f.off = dg.Msg
				changed = true
			} else if !slices.Contains(f.notes, msg) {
				f.notes = append(f.notes, msg)
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
func findField(docs []*importedDomain, path string) (*importedDomain, *importField) {
	for _, d := range docs {
		prefix := "domains." + d.name
		if path != prefix && !strings.HasPrefix(path, prefix+".") {
			continue
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(path, prefix), ".")
		var best *importField
		for _, f := range d.fields {
			if (rest == f.key || strings.HasPrefix(rest, f.key+".") || strings.HasPrefix(rest, f.key+"[")) && (best == nil || len(f.key) > len(best.key)) {
				best = f
			}
		}
		return d, best
	}
	return nil, nil
}

// renderImport writes the domains as a domains: mapping.
func renderImport(docs []*importedDomain) string {
	var b strings.Builder
	b.WriteString("domains:\n")
	for _, d := range docs {
		for _, l := range renderEntry(d, 2) {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// renderEntry writes one domain as lines: its key at indent 0, fields one
// step in, DKIM selectors two.
func renderEntry(d *importedDomain, step int) []string {
	var out []string
	in1, in2 := strings.Repeat(" ", step), strings.Repeat(" ", 2*step)
	out = append(out, configedit.Scalar(d.name)+":")
	for _, n := range d.notes {
		out = append(out, in1+"# "+oneLine(n))
	}
	for _, h := range d.head {
		out = append(out, in1+h)
	}
	dkimOn := false
	for _, f := range d.fields {
		if strings.HasPrefix(f.key, "dkim.") && f.off == "" {
			dkimOn = true
		}
	}
	dkimOpen := false
	for _, f := range d.fields {
		key, indent := f.key, in1
		if sel, ok := strings.CutPrefix(f.key, "dkim."); ok {
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
		for _, n := range f.notes {
			out = append(out, indent+"# "+oneLine(n))
		}
		if f.off != "" {
			out = append(out, indent+"# not imported: "+oneLine(f.off), indent+"# "+key+": "+f.value)
			continue
		}
		out = append(out, indent+key+": "+f.value)
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
func importJSON(docs []*importedDomain) any {
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
		jd := domain{Name: d.name, Fields: []field{}, Notes: d.notes, YAML: strings.Join(renderEntry(d, 2), "\n") + "\n"}
		for _, f := range d.fields {
			jd.Fields = append(jd.Fields, field{Key: f.key, Value: f.value, TTL: f.ttl, NotImported: f.off, Notes: f.notes})
		}
		out.Domains = append(out.Domains, jd)
	}
	return out
}
