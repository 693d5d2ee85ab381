package cloudflare

import (
	"sort"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/rrset"
)

// autoTTL is what Cloudflare's "automatic" TTL (ttl 1) means on the wire.
const autoTTL = 300

// key returns the RRset key of a record as the API sends it (full name, no
// trailing dot).
func key(r apiRecord) rrset.Key {
	return rrset.Key{Name: rrset.Absolute(strings.TrimSuffix(r.Name, ".")+".", "."), Type: strings.ToUpper(r.Type)}
}

// value returns the normalized value of a record (see [rrset.NormalizeValue]):
// TXT content in character-string form ("a" "b") joined to its logical text, MX
// as "preference host.", names made absolute.
func value(r apiRecord) string {
	typ := strings.ToUpper(r.Type)
	switch typ {
	case "TXT":
		return rrset.JoinTXT(r.Content)
	case "MX":
		pref := 0
		if r.Priority != nil {
			pref = int(*r.Priority)
		}
		return rrset.NormalizeValue(typ, strconv.Itoa(pref)+" "+r.Content)
	default:
		return rrset.NormalizeValue(typ, r.Content)
	}
}

func ttlOf(r apiRecord) uint32 {
	if r.TTL <= 1 {
		return autoTTL
	}
	return uint32(r.TTL)
}

// toRRsets is the one conversion from Cloudflare records to RRsets: records
// grouped by name and type, values normalized, each value's own TTL kept
// (ValueTTLs), and the set's TTL the lowest of its records.
func toRRsets(recs []apiRecord) []rrset.RRset {
	type group struct {
		ttl    uint32
		values []string
		ttls   map[string]uint32
	}
	groups := map[rrset.Key]*group{}
	for _, r := range recs {
		k := key(r)
		g := groups[k]
		if g == nil {
			g = &group{ttl: ttlOf(r), ttls: map[string]uint32{}}
			groups[k] = g
		}
		g.ttl = min(g.ttl, ttlOf(r))
		v := value(r) // already normalized
		g.values = append(g.values, v)
		if t, ok := g.ttls[v]; !ok || ttlOf(r) < t {
			g.ttls[v] = ttlOf(r)
		}
	}
	out := make([]rrset.RRset, 0, len(groups))
	for k, g := range groups {
		s := rrset.New(".", k.Name, k.Type, g.ttl, g.values...)
		// TTL belongs to each record at Cloudflare: a dashboard-made TXT
		// with "auto" TTL beside the SPF record does not make the SPF
		// record's TTL differ.
		s.ValueTTLs = g.ttls
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// toAPI is the record the API takes for one normalized value: TXT as quoted
// 255-byte character-strings, MX split into priority and host, names without
// the trailing dot, TTL 0 as automatic.
func toAPI(k rrset.Key, ttl uint32, v string) apiRecord {
	r := apiRecord{Name: strings.TrimSuffix(k.Name, "."), Type: k.Type, Content: v, TTL: int(ttl)}
	if ttl == 0 {
		r.TTL = 1
	}
	switch k.Type {
	case "TXT":
		r.Content = rrset.QuoteTXT(v)
	case "MX":
		if f := strings.Fields(v); len(f) == 2 {
			if pref, err := strconv.ParseUint(f[0], 10, 16); err == nil {
				p := uint16(pref)
				r.Priority = &p
				r.Content = f[1]
				if r.Content != "." { // a null MX (RFC 7505) keeps its "."
					r.Content = strings.TrimSuffix(r.Content, ".")
				}
			}
		}
	case "CNAME", "NS":
		if v != "." {
			r.Content = strings.TrimSuffix(v, ".")
		}
	}
	return r
}

// zoneName is the zone as the API names it: lower case, no trailing dot.
func zoneName(zone string) string {
	return strings.ToLower(strings.TrimSuffix(zone, "."))
}
