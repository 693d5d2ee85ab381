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

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
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
