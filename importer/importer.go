// Package importer turns the records a zone holds into mailzone
// configuration: for each domain, the MX, SPF, DKIM selectors, DMARC and the
// MTA-STS, TLS-RPT and BIMI records in the form mailzone publishes them, so a
// plan of the imported entry shows no changes. What mailzone would rewrite or
// reject is kept as a comment with the reason. It is pure: the records come
// in, YAML text (or the fields, for JSON) goes out.
package importer

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/spf"
)

// Domain is one domain's configuration as import writes it.
type Domain struct {
	Name   string
	Head   []string // key: value lines before the record fields (provider, zone, ttl)
	Notes  []string // comments about the domain as a whole
	Fields []*Field
}

// Field is one record field: "mx", "spf", "dkim.<selector>", ...
type Field struct {
	Key   string
	Value string   // the YAML value, inline
	Notes []string // comments written above the field
	Off   string   // why the field is written as a comment only
	TTL   uint32   // the TTL of the records it came from
}

// FromRecords turns the records of one domain into configuration fields.
func FromRecords(name, zone, provider string, defaultTTL uint32, sets []rrset.RRset) *Domain {
	d := &Domain{Name: name}
	d.Head = append(d.Head, "provider: "+configedit.Scalar(provider))
	if zone != name {
		d.Head = append(d.Head, "zone: "+configedit.Scalar(zone))
	}
	apex := name + "."
	idx := rrset.Index(sets)
	get := func(n, typ string) rrset.RRset { return idx[rrset.Key{Name: n, Type: typ}] }
	add := func(f *Field) { d.Fields = append(d.Fields, f) }

	// MX
	parked := false
	if mx := get(apex, "MX"); !mx.Empty() {
		f := &Field{Key: "mx", TTL: mx.TTL}
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
			f.Notes = append(f.Notes, fmt.Sprintf("the zone has %d MX records (%s); mailzone manages a single MX,", len(all), strings.Join(mx.Values, ", ")),
				"so the one with the lowest preference is kept and the plan removes the others")
		}
		switch {
		case best.host == "." && len(all) == 1:
			parked = true
		case best.host == ".":
			f.Off = "a null MX beside other MX records is not valid (RFC 7505)"
			f.Value = configedit.Scalar(".")
		case best.p == 10:
			f.Value = configedit.Scalar(strings.TrimSuffix(best.host, "."))
		default:
			f.Value = fmt.Sprintf("{host: %s, preference: %d}", configedit.Scalar(strings.TrimSuffix(best.host, ".")), best.p)
		}
		if !parked {
			add(f)
		}
	}
	if parked {
		d.Head = append(d.Head, "mail: none")
		d.Notes = append(d.Notes, "the null MX says the domain receives no mail: imported as a parked domain, which",
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
		f := &Field{Key: "spf", TTL: get(apex, "TXT").TTL}
		if len(spfs) > 1 {
			f.Notes = append(f.Notes, fmt.Sprintf("the zone has %d SPF records, which makes SPF fail (RFC 7208 §4.5); the first is", len(spfs)),
				"kept and the plan removes the others")
		}
		f.Value, f.Notes = spfValue(spfs[0], f.Notes)
		add(f)
	} else if parked && len(spfs) > 0 && (len(spfs) != 1 || spfs[0] != "v=spf1 -all") {
		d.Notes = append(d.Notes, fmt.Sprintf("the plan replaces the SPF record %s with \"v=spf1 -all\"", strconv.Quote(spfs[0])))
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
			d.Notes = append(d.Notes, fmt.Sprintf("DKIM selector %s is published; a parked domain declares every selector revoked through *._domainkey", sel))
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
		d.Notes = append(d.Notes, fmt.Sprintf("_dmarc is a CNAME to %s; not imported. Declaring dmarc replaces it with a TXT record", c.Values[0]))
	}
	if len(dmarcs) > 0 {
		f := &Field{Key: "dmarc", TTL: dm.TTL}
		if len(dmarcs) > 1 {
			f.Notes = append(f.Notes, fmt.Sprintf("the zone has %d DMARC records, which receivers ignore (RFC 7489 §6.6.3); the", len(dmarcs)),
				"first is kept and the plan removes the others")
		}
		f.Value, f.Notes, f.Off = dmarcValue(dmarcs[0], f.Notes)
		if parked && f.Off == "" && f.Value == `{policy: reject, subdomain_policy: reject}` {
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
			if f.Off == "" {
				f.Notes = append(f.Notes, "the mode (enforce, testing) lives in the policy file at https://mta-sts."+name+"/.well-known/mta-sts.txt")
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
	for _, f := range d.Fields {
		if f.Off == "" && f.TTL > 0 {
			count[f.TTL]++
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
		d.Head = append(d.Head, "ttl: "+strconv.FormatUint(uint64(ttl), 10))
	}
	if len(ttls) > 1 {
		var s []string
		for _, t := range ttls {
			s = append(s, strconv.FormatUint(uint64(t), 10))
		}
		d.Notes = append(d.Notes, fmt.Sprintf("the records have TTLs %s; mailzone publishes one TTL per domain, so the plan", strings.Join(s, ", ")),
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
func dkimField(sel string, txt, cname rrset.RRset) *Field {
	f := &Field{Key: "dkim." + sel}
	switch {
	case !cname.Empty():
		f.TTL = cname.TTL
		f.Value = "{cname: " + configedit.Scalar(strings.TrimSuffix(cname.Values[0], ".")) + "}"
		if !txt.Empty() {
			f.Notes = append(f.Notes, "a TXT record beside the CNAME is not valid DNS; the plan removes it")
		}
		return f
	case len(txt.Values) != 1:
		f.Off = fmt.Sprintf("%d TXT records at the selector; mailzone publishes one", len(txt.Values))
		f.Value = "{public_key: ...}"
		return f
	}
	f.TTL = txt.TTL
	text := txt.Values[0]
	rec, problems := dkim.ParseRecord(text)
	for _, p := range problems {
		if p.Severity == dkim.Error {
			f.Value = "{public_key: ...}"
			f.Off = "not a usable DKIM record: " + p.Error()
			return f
		}
	}
	if rec.Revoked() {
		f.Value = "{revoked: true}"
		if text != dkim.Revoked() {
			f.Notes = append(f.Notes, fmt.Sprintf("published as %s; the plan rewrites it as %s", strconv.Quote(text), strconv.Quote(dkim.Revoked())))
		}
		return f
	}
	key, _ := rec.Key()
	p, _ := rec.Get("p")
	f.Value = "{public_key: " + strconv.Quote(p) + "}"
	if key.Record() != text {
		f.Off = fmt.Sprintf("mailzone would publish it as %s; left out so the plan does not rewrite it", strconv.Quote(shorten(key.Record())))
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
func simpleTXT(set rrset.RRset, key string, re *regexp.Regexp, value func([]string) string) *Field {
	if set.Empty() {
		return nil
	}
	f := &Field{Key: key, TTL: set.TTL}
	if len(set.Values) > 1 {
		f.Off = fmt.Sprintf("%d TXT records; mailzone publishes one", len(set.Values))
		f.Value = "..."
		return f
	}
	m := re.FindStringSubmatch(set.Values[0])
	if m == nil {
		f.Off = "published as " + strconv.Quote(set.Values[0]) + ", which mailzone cannot write the same way"
		f.Value = "..."
		return f
	}
	f.Value = value(m)
	return f
}

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
