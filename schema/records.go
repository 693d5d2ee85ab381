package schema

import (
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/rrset"
)

// Record is one RRset a domain must publish, or must not publish when Set has no
// values, together with the rule that says which records already at that name and
// type belong to mailzone (see [Record.Owns]).
type Record struct {
	// Field is the configuration field the record comes from: "mx", "spf",
	// "dkim.<selector>", "dmarc", "mta_sts", "tls_rpt", "bimi".
	Field string
	// Set is the desired RRset; no values means none may exist.
	Set rrset.RRset
	// Pos is where the field is written, for messages.
	Pos Pos
}

// Owns reports whether an observed value at the record's name and type is
// mailzone's to change or delete. Only the SPF record among the apex TXT records,
// and only the DMARC record among the TXT records at _dmarc, are; every other
// managed name and type is owned whole.
func (r Record) Owns(value string) bool {
	switch {
	case r.Field == "spf" && r.Set.Type == "TXT":
		return IsSPF(value)
	case r.Field == "dmarc" && r.Set.Type == "TXT":
		return IsDMARC(value)
	}
	return true
}

// IsSPF reports whether TXT text is an SPF record: "v=spf1" alone or followed by
// a space, case-insensitively, at the very start (RFC 7208 §4.5: " v=spf1 -all"
// is not one). This is the one predicate for ownership, lint and import.
func IsSPF(text string) bool {
	return len(text) >= 6 && strings.EqualFold(text[:6], "v=spf1") && (len(text) == 6 || text[6] == ' ')
}

// IsDMARC reports whether TXT text is a DMARC record: it starts with the tag
// v=DMARC1 (RFC 7489 §6.4), spaces around "=" allowed. The tag name is
// case-insensitive ("v" is an ABNF literal string), the value "DMARC1" is not
// (%x44 %x4d %x41 %x52 %x43 %x31). This is the one predicate for ownership,
// lint and import.
func IsDMARC(text string) bool {
	t := strings.TrimLeft(text, " \t")
	if !strings.HasPrefix(t, "v") && !strings.HasPrefix(t, "V") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "=") {
		return false
	}
	t = strings.TrimLeft(t[1:], " \t")
	if !strings.HasPrefix(t, "DMARC1") {
		return false
	}
	rest := strings.TrimLeft(t[6:], " \t")
	return rest == "" || rest[0] == ';'
}

// MaxSPFChain is how many _spf<N> records a flattened SPF owns.
const MaxSPFChain = 10

// Records returns every RRset the domain's configuration decides, in a stable
// order: MX, SPF, DKIM selectors in file order, DMARC, MTA-STS, TLS-RPT, BIMI.
// Where a record forbids another type at its name (a DKIM CNAME and TXT, a CNAME
// at _dmarc), the other type is returned as a record that must be absent.
func (d *Domain) Records() []Record { return d.records(true) }

// records is Records; without values, only the names, types and positions
// are filled in, which is all a check of the owned names needs.
func (d *Domain) records(values bool) []Record {
	apex := d.Name + "."
	out := make([]Record, 0, d.recordCount())
	add := func(field string, pos Pos, name, typ string, vs ...string) {
		if !values {
			vs = nil
		}
		out = append(out, Record{Field: field, Pos: pos, Set: rrset.New(".", name, typ, d.TTL, vs...)})
	}
	if d.MX != nil {
		add("mx", d.MX.Pos, apex, "MX", strconv.Itoa(int(d.MX.Preference))+" "+d.MX.Host)
	}
	switch {
	case d.SPF == nil:
	case d.SPF.Flatten != nil && !d.SPFFlattened:
		// Not resolved (offline, or refused): what is published stays.
	case d.SPF.Flatten != nil:
		add("spf", d.SPF.Pos, apex, "TXT", d.SPF.values()...)
		for i := 1; i <= MaxSPFChain; i++ {
			name := "_spf" + strconv.Itoa(i) + "." + apex
			if i <= len(d.SPFChain) {
				add("spf.chain", d.SPF.Pos, name, "TXT", d.SPFChain[i-1])
			} else {
				add("spf.chain", d.SPF.Pos, name, "TXT")
			}
		}
	default:
		add("spf", d.SPF.Pos, apex, "TXT", d.SPF.values()...)
	}
	for _, s := range d.DKIM {
		field := "dkim." + s.Name
		name := s.Name + "._domainkey." + apex
		switch s.Kind {
		case KeySelector, RevokedSelector, WildcardRevoked:
			add(field, s.Pos, name, "TXT", s.Text)
			add(field, s.Pos, name, "CNAME")
		case CNAMESelector:
			add(field, s.Pos, name, "CNAME", s.Target)
			add(field, s.Pos, name, "TXT")
		case DeletedSelector:
			add(field, s.Pos, name, "TXT")
			add(field, s.Pos, name, "CNAME")
		}
	}
	if d.DMARC != nil {
		add("dmarc", d.DMARC.Pos, "_dmarc."+apex, "TXT", d.DMARC.values()...)
		add("dmarc", d.DMARC.Pos, "_dmarc."+apex, "CNAME")
	}
	if d.MTASTS != nil {
		add("mta_sts", d.MTASTS.Pos, "_mta-sts."+apex, "TXT", d.MTASTS.values()...)
		if p := d.MTASTSPolicy; p != nil && p.Host != "" && !d.MTASTS.Absent {
			add("mta_sts.host", d.MTASTS.Pos, "mta-sts."+apex, "CNAME", p.Host)
		}
	}
	for _, a := range d.ReportAuth {
		if a.Present {
			add("report_auth", d.Pos, a.Name, "TXT", ReportAuthRecord)
		} else {
			add("report_auth", d.Pos, a.Name, "TXT")
		}
	}
	if d.TLSRPT != nil {
		add("tls_rpt", d.TLSRPT.Pos, "_smtp._tls."+apex, "TXT", d.TLSRPT.values()...)
	}
	if d.BIMI != nil {
		add("bimi", d.BIMI.Pos, "default._bimi."+apex, "TXT", d.BIMI.values()...)
	}
	return out
}

// recordCount is how many records records returns, at most.
func (d *Domain) recordCount() int {
	n := 2*len(d.DKIM) + len(d.ReportAuth)
	for _, f := range []bool{d.MX != nil, d.SPF != nil, d.TLSRPT != nil, d.BIMI != nil} {
		if f {
			n++
		}
	}
	for _, f := range []bool{d.DMARC != nil, d.MTASTS != nil} {
		if f {
			n += 2
		}
	}
	if d.SPF != nil && d.SPF.Flatten != nil {
		n += MaxSPFChain
	}
	return n
}

func (f *TXTField) values() []string {
	if f.Absent {
		return nil
	}
	return []string{f.Text}
}

// DeclaresSelector reports whether the domain's configuration names selector
// (parked domains declare every selector through *._domainkey).
func (d *Domain) DeclaresSelector(selector string) bool {
	for _, s := range d.DKIM {
		if s.Name == selector || s.Kind == WildcardRevoked {
			return true
		}
	}
	return false
}
