package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/spf"
)

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
