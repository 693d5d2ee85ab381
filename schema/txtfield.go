package schema

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/mtasts"
)

// finishMTASTS completes a domain's MTA-STS policy: the mx patterns default
// to its MX host, and the TXT record carries the pinned id or the one
// derived from the policy.
func (l *loader) finishMTASTS(d *Domain, n *yaml.Node, field string) {
	sts := d.MTASTSPolicy
	if len(sts.Policy.MX) == 0 && sts.Policy.Mode != mtasts.None {
		if d.MX == nil || d.MX.Host == "." {
			if sts.Pinned {
				// The policy file is served from elsewhere: only the
				// TXT record is published.
				l.warnf(n, field+".mta_sts.mx", "the domain has no MX to take the policy's mx patterns from, so mailzone publishes only the TXT record (id %s) and cannot export or check the policy file; list mx to have both", sts.ID)
				d.MTASTS.Text, d.MTASTSPolicy = mtasts.Record(sts.ID), nil
				return
			}
			l.errorf(n, field+".mta_sts.mx", "missing, and the domain has no MX to take it from: list the mx patterns of the policy")
			d.MTASTS, d.MTASTSPolicy = nil, nil
			return
		}
		sts.Policy.MX = []string{strings.TrimSuffix(d.MX.Host, ".")}
	}
	if !sts.Pinned {
		sts.ID = sts.Policy.ID()
	}
	d.MTASTS.Text = mtasts.Record(sts.ID)
}

var stsID = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)

// txtField decodes mta_sts, tls_rpt and bimi.
func (l *loader) txtField(key string, n *yaml.Node, field string, d *Domain, dmarcNode *yaml.Node) *TXTField {
	f := &TXTField{Pos: l.pos(n)}
	switch key {
	case "mta_sts":
		sts := &MTASTS{Policy: mtasts.Policy{MaxAge: mtasts.DefaultMaxAge}}
		for _, p := range l.fields(n, field, "mode", "id", "max_age", "mx", "host", "delete") {
			switch p.key {
			case "mode":
				mode, _ := l.str(p.v, p.field)
				if mode != mtasts.Enforce && mode != mtasts.Testing && mode != mtasts.None {
					l.errorf(p.v, p.field, "must be enforce, testing or none (RFC 8461), not %q", short(mode))
					return nil
				}
				sts.Policy.Mode = mode
			case "id":
				id, _ := l.str(p.v, p.field)
				if !stsID.MatchString(id) {
					l.errorf(p.v, p.field, "must be 1 to 32 letters and digits (RFC 8461 §3.1), not %q; or leave it out, and mailzone derives it from the policy", short(id))
					return nil
				}
				sts.ID, sts.Pinned = id, true
			case "max_age":
				v, ok := l.uint(p.v, p.field, 0, mtasts.MaxMaxAge)
				if !ok {
					return nil
				}
				sts.Policy.MaxAge = int(v)
			case "mx":
				pats, nodes := l.strs(p.v, p.field)
				bad := false
				for i, pat := range pats {
					pat = strings.ToLower(pat)
					if why := mtasts.CheckMX(pat, dnsname.Host); why != "" {
						l.errorf(nodes[i], fmt.Sprintf("%s[%d]", p.field, i), "%q: an mx pattern is a host name or *. and a host name (RFC 8461 §3.2): %s", short(pat), why)
						bad = true
					}
					sts.Policy.MX = append(sts.Policy.MX, pat)
				}
				if bad {
					return nil
				}
			case "host":
				for _, q := range l.fields(p.v, p.field, "cname") {
					t, _ := l.str(q.v, q.field)
					if h, ok := l.hostName(q.v, q.field, t, "MTA-STS policy host"); ok {
						sts.Host = h
					}
				}
			case "delete":
				if b, _ := l.boolean(p.v, p.field); b {
					f.Absent = true
					return f
				}
			}
		}
		if sts.Policy.Mode == "" {
			if sts.Pinned && sts.Host == "" && len(sts.Policy.MX) == 0 {
				// Only the TXT record: the policy file is served and
				// versioned elsewhere.
				f.Text = mtasts.Record(sts.ID)
				return f
			}
			l.errorf(n, field+".mode", "missing; enforce, testing or none (RFC 8461), or give only id for a policy file served and versioned elsewhere")
			return nil
		}
		// The mx patterns default to the domain's MX host, and the text
		// and id are set once the whole domain is read (finishMTASTS).
		d.MTASTSPolicy = sts
		f.Pos = l.pos(n)
	case "tls_rpt":
		var rua []string
		for _, p := range l.fields(n, field, "rua", "delete") {
			switch p.key {
			case "rua":
				var nodes []*yaml.Node
				rua, nodes = l.strs(p.v, p.field)
				for i, u := range rua {
					f := fmt.Sprintf("%s[%d]", p.field, i)
					switch {
					case strings.HasPrefix(u, "https://"):
						if why := httpsURL(u, ""); why != "" {
							l.errorf(nodes[i], f, "%q %s", short(u), why)
						}
					case strings.HasPrefix(u, "mailto:"):
						if why := mailtoURI(u); why != "" {
							l.errorf(nodes[i], f, "%q %s", short(u), why)
						}
					default:
						l.errorf(nodes[i], f, "%q must be a mailto: or https: URI (RFC 8460 §3)", short(u))
					}
				}
			case "delete":
				if b, _ := l.boolean(p.v, p.field); b {
					f.Absent = true
					return f
				}
			}
		}
		if len(rua) == 0 {
			l.errorf(n, field+".rua", "missing; where TLS reports go, such as mailto:tlsrpt@example.net")
			return nil
		}
		f.Text = "v=TLSRPTv1; rua=" + strings.Join(rua, ",")
	case "bimi":
		var logo, authority string
		for _, p := range l.fields(n, field, "logo", "authority", "delete") {
			switch p.key {
			case "logo", "authority":
				s, _ := l.str(p.v, p.field)
				ext := ".svg" // the SVG Tiny PS logo
				if p.key == "authority" {
					ext = ".pem" // the VMC or CMC certificate chain
				}
				if why := httpsURL(s, ext); why != "" {
					l.errorf(p.v, p.field, "%q %s", short(s), why)
					return nil
				}
				if p.key == "logo" {
					logo = s
				} else {
					authority = s
				}
			case "delete":
				if b, _ := l.boolean(p.v, p.field); b {
					f.Absent = true
					return f
				}
			}
		}
		if logo == "" {
			l.errorf(n, field+".logo", "missing; the https:// URL of the SVG Tiny PS logo")
			return nil
		}
		if p := lookup(dmarcNode, "policy"); dmarcNode == nil || (p != nil && p.Value == "none") {
			l.errorf(n, field, "BIMI needs a DMARC policy of quarantine or reject on the domain")
		}
		f.Text = "v=BIMI1; l=" + logo
		if authority != "" {
			f.Text += "; a=" + authority
		}
	}
	return f
}

// httpsURL reports why s is not an https URL that can be published inside a
// TXT record's tag list (BIMI l= and a=, TLS-RPT rua=), or "". Such a record
// is "tag=value; tag=value", so the URL may hold no ";", no white space, no
// control characters and no ","; ext, when set, is the path's required
// extension.
func httpsURL(s, ext string) string {
	if i := strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ';' || r == ',' || r == '"' || r == '\\' }); i >= 0 {
		return fmt.Sprintf("holds %q at byte %d; a URL published in a TXT record may hold no white space, control characters, quotes, backslashes, \";\" or \",\"", s[i:i+1], i)
	}
	if !strings.HasPrefix(s, "https://") {
		return "must be an https:// URL"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "is not a URL: " + strings.TrimPrefix(err.Error(), "parse ")
	}
	if u.User != nil {
		return "must not hold a user name or password"
	}
	if err := dnsname.Host(u.Hostname()); err != nil {
		return fmt.Sprintf("host %q %v", short(u.Hostname()), err)
	}
	if ext != "" && !strings.HasSuffix(strings.ToLower(u.Path), ext) {
		return fmt.Sprintf("must name a %s file", ext)
	}
	return ""
}

// mailtoURI reports why s is not a mailto: URI with one address that can be
// published in a report-URI list, or "".
func mailtoURI(s string) string {
	if i := strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ';' || r == ',' || r == '"' || r == '\\' }); i >= 0 {
		return fmt.Sprintf("holds %q at byte %d; a report URI may hold no white space, control characters, quotes, backslashes, \";\" or \",\"", s[i:i+1], i)
	}
	addr := strings.TrimPrefix(s, "mailto:")
	if i := strings.IndexByte(addr, '!'); i >= 0 {
		addr = addr[:i] // a size limit (RFC 7489 §6.2)
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "must be mailto:local-part@domain"
	}
	if err := dnsname.Host(addr[at+1:]); err != nil {
		return fmt.Sprintf("domain %q %v", short(addr[at+1:]), err)
	}
	return ""
}
