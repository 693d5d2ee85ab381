package schema

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/mtasts"
	"github.com/mailzone/mailzone/spf"
)

// domain decodes one domain's merged node.
func (l *loader) domain(cfg *Config, name, field string, n *yaml.Node) *Domain {
	d := &Domain{Name: name, Zone: name, TTL: cfg.Defaults.TTL, Provider: cfg.Defaults.Provider,
		Verify: cfg.Defaults.Verify, Fields: map[string]Pos{}}
	pairs := l.fields(n, field, domainKeys...)
	var dmarcNode *yaml.Node
	for _, p := range pairs {
		d.Fields[strings.TrimPrefix(p.field, field+".")] = l.pos(p.v)
		switch p.key {
		case "provider":
			d.Provider, _ = l.str(p.v, p.field)
			if d.Provider != "" && cfg.Provider(d.Provider) == nil {
				l.errorf(p.v, p.field, "unknown provider %q (declared: %s)", d.Provider, providerNames(cfg))
			}
		case "zone":
			if z, ok := l.str(p.v, p.field); ok {
				z = strings.ToLower(strings.TrimSuffix(z, "."))
				switch {
				case validName(z) != "":
					l.errorf(p.v, p.field, "zone name %s", validName(z))
				case z != name && !strings.HasSuffix(name, "."+z):
					l.errorf(p.v, p.field, "domain %s is not inside zone %s", name, z)
				default:
					d.Zone = z
				}
			}
		case "ttl":
			if v, ok := l.uint(p.v, p.field, 1, 1<<31-1); ok {
				d.TTL = uint32(v)
			}
		case "mail":
			if s, ok := l.str(p.v, p.field); ok {
				if s != "none" {
					l.errorf(p.v, p.field, "the only value is none (a parked domain that sends and receives no mail), not %q", s)
				} else {
					d.Parked = true
				}
			}
		case "verify":
			d.Verify = l.verify(p.v, p.field, d.Verify)
		case "dkim_policy":
			d.DKIMPolicy = l.dkimPolicy(p.v, p.field)
		case "dmarc":
			dmarcNode = p.v
		}
	}
	if d.Provider == "" {
		l.errorf(n, field+".provider", "missing; name one of the providers (%s), here, in its profile or in defaults", providerNames(cfg))
	}
	for _, p := range pairs {
		switch p.key {
		case "mx":
			if d.Parked {
				l.errorf(p.v, p.field, "a parked domain (mail: none) publishes the null MX; remove mx")
				continue
			}
			d.MX = l.mx(p.v, p.field)
		case "spf":
			if d.Parked {
				l.errorf(p.v, p.field, `a parked domain (mail: none) publishes "v=spf1 -all"; remove spf`)
				continue
			}
			d.SPF = l.memoized(p.v, "spf", false, func() *TXTField { return l.spf(p.v, p.field) })
		case "dkim":
			if d.Parked {
				l.errorf(p.v, p.field, `a parked domain (mail: none) publishes "v=DKIM1; p=" at *._domainkey; remove dkim`)
				continue
			}
			d.DKIM = l.dkim(p.v, p.field)
			rsa, ed := false, false
			for _, s := range d.DKIM {
				rsa = rsa || s.Kind == KeySelector && s.Algorithm == "rsa"
				ed = ed || s.Kind == KeySelector && s.Algorithm == "ed25519"
			}
			if ed && !rsa {
				l.warnf(p.v, p.field, "the domain's only keys are Ed25519, which many receivers do not verify yet; add an RSA selector too and sign with both (RFC 8463)")
			}
		case "mta_sts", "tls_rpt", "bimi":
			if d.Parked {
				l.errorf(p.v, p.field, "a parked domain (mail: none) receives no mail; remove %s", p.key)
				continue
			}
			f := l.txtField(p.key, p.v, p.field, d, dmarcNode)
			switch p.key {
			case "mta_sts":
				d.MTASTS = f
			case "tls_rpt":
				d.TLSRPT = f
			case "bimi":
				d.BIMI = f
			}
		}
	}
	if d.MTASTS != nil && d.MTASTSPolicy != nil {
		l.finishMTASTS(d, n, field)
	}
	if dmarcNode != nil {
		d.DMARC = l.memoized(dmarcNode, "dmarc", d.Parked, func() *TXTField { return l.dmarc(dmarcNode, field+".dmarc", d.Parked) })
	}
	if d.Parked {
		d.MX = &MX{Host: ".", Preference: 0, Pos: d.Pos}
		d.SPF = &TXTField{Text: "v=spf1 -all"}
		d.DKIM = []Selector{{Name: "*", Kind: WildcardRevoked, Text: dkim.Revoked()}}
		if d.DMARC == nil {
			d.DMARC = &TXTField{Text: "v=DMARC1; p=reject; sp=reject"}
		}
	}
	return d
}

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

func providerNames(cfg *Config) string {
	var names []string
	for _, p := range cfg.Providers {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none declared"
	}
	return strings.Join(names, ", ")
}

// hostName validates a host name in the configuration and returns it absolute.
func (l *loader) hostName(n *yaml.Node, field, s, what string) (string, bool) {
	if _, err := netip.ParseAddr(s); err == nil {
		l.errorf(n, field, "%s must be a host name, not an IP address (%s)", what, s)
		return "", false
	}
	if why := validName(s); why != "" {
		l.errorf(n, field, "%s %q %s", what, s, why)
		return "", false
	}
	return strings.ToLower(strings.TrimSuffix(s, ".")) + ".", true
}

// ownerName validates a name that may hold underscore labels (RFC 2181 §11),
// such as a CNAME target at an ESP ("selector1-contoso-com._domainkey.
// contoso.onmicrosoft.com"), and returns it absolute.
func (l *loader) ownerName(n *yaml.Node, field, s, what string) (string, bool) {
	if err := dnsname.Owner(s); err != nil {
		l.errorf(n, field, "%s %q %v", what, s, err)
		return "", false
	}
	return strings.ToLower(strings.TrimSuffix(s, ".")) + ".", true
}

func (l *loader) mx(n *yaml.Node, field string) *MX {
	mx := &MX{Preference: 10, Pos: l.pos(n)}
	switch n.Kind {
	case yaml.SequenceNode:
		l.errorf(n, field, "mailzone manages a single MX per domain (one inbound gateway, preference 10); give one host, not a list of %d", len(n.Content))
		return nil
	case yaml.ScalarNode:
		s, ok := l.str(n, field)
		if !ok {
			return nil
		}
		if s == "." || s == "0 ." {
			l.errorf(n, field, "a null MX (RFC 7505) is published by mail: none, which also sets the parked SPF, DKIM and DMARC records")
			return nil
		}
		if mx.Host, ok = l.hostName(n, field, s, "MX target"); !ok {
			return nil
		}
	case yaml.MappingNode:
		host := false
		for _, p := range l.fields(n, field, "host", "preference") {
			switch p.key {
			case "host":
				host = true
				s, ok := l.str(p.v, p.field)
				if ok && s == "." {
					l.errorf(p.v, p.field, "a null MX (RFC 7505) is published by mail: none, which also sets the parked SPF, DKIM and DMARC records")
					return nil
				}
				if !ok {
					return nil
				}
				if mx.Host, ok = l.hostName(p.v, p.field, s, "MX target"); !ok {
					return nil
				}
			case "preference":
				v, ok := l.uint(p.v, p.field, 0, 65535)
				if !ok {
					return nil
				}
				mx.Preference = uint16(v)
			}
		}
		if !host {
			l.errorf(n, field+".host", "missing")
			return nil
		}
	default:
		l.errorf(n, field, "must be a host name or {host: ..., preference: ...}, not %s", kindName(n))
		return nil
	}
	return mx
}

// spfTermKey maps an SPF term to the builder key that produced it, for positions.
func spfTermKey(term string) string {
	t := strings.TrimLeft(strings.ToLower(term), "+-~?")
	for _, k := range []string{"include", "ip4", "ip6", "redirect"} {
		if strings.HasPrefix(t, k) {
			return k
		}
	}
	if strings.HasPrefix(t, "all") {
		return "all"
	}
	return ""
}

func (l *loader) spf(n *yaml.Node, field string) *TXTField {
	f := &TXTField{Pos: l.pos(n)}
	report := func(problems []spf.Problem, at func(term string) (*yaml.Node, string)) {
		for _, pr := range problems {
			node, fld := at(pr.Term)
			d := Diagnostic{Pos: l.pos(node), Field: fld, Severity: Error, Msg: pr.Error()}
			if pr.Severity == spf.Warning {
				d.Severity = Warning
			}
			l.add(d)
		}
	}
	whole := func(string) (*yaml.Node, string) { return n, field }
	if n.Kind == yaml.ScalarNode {
		s, ok := l.str(n, field)
		if !ok {
			return nil
		}
		rec, err := spf.Parse(s)
		if err != nil {
			l.errorf(n, field, "%v", err)
			return nil
		}
		f.Text = rec.String()
		report(spf.Check(rec, spf.Policy{}), whole)
		return f
	}
	var spec spf.Spec
	var policy spf.Policy
	nodes := map[string]*yaml.Node{}
	raw := ""
	var rawNode *yaml.Node
	var flatten []string
	var flattenNodes []*yaml.Node
	for _, p := range l.fields(n, field, "include", "ip4", "ip6", "a", "mx", "all", "allow_softfail", "redirect", "raw", "delete", "flatten") {
		nodes[p.key] = p.v
		switch p.key {
		case "flatten":
			flatten, flattenNodes = l.strs(p.v, p.field)
		case "include":
			spec.Include, _ = l.strs(p.v, p.field)
		case "ip4":
			spec.IP4, _ = l.strs(p.v, p.field)
		case "ip6":
			spec.IP6, _ = l.strs(p.v, p.field)
		case "a":
			spec.A, _ = l.boolean(p.v, p.field)
		case "mx":
			spec.MX, _ = l.boolean(p.v, p.field)
		case "all":
			s, ok := l.str(p.v, p.field)
			if !ok {
				continue
			}
			switch s {
			case "fail", "softfail":
				spec.All = s
			case "pass", "neutral":
				l.errorf(p.v, p.field, "all: %s would let any host send as this domain; use fail (-all)", s)
			default:
				l.errorf(p.v, p.field, "must be fail or softfail, not %q", s)
			}
		case "allow_softfail":
			policy.AllowSoftfail, _ = l.boolean(p.v, p.field)
		case "redirect":
			spec.Redirect, _ = l.str(p.v, p.field)
		case "raw":
			raw, _ = l.str(p.v, p.field)
			rawNode = p.v
		case "delete":
			if b, _ := l.boolean(p.v, p.field); b {
				f.Absent = true
			}
		}
	}
	if f.Absent {
		return f
	}
	if rawNode != nil {
		for _, k := range []string{"include", "ip4", "ip6", "a", "mx", "all", "redirect"} {
			if nodes[k] != nil {
				l.errorf(nodes[k], field+"."+k, "give either raw or the builder keys, not both")
			}
		}
		rec, err := spf.Parse(raw)
		if err != nil {
			l.errorf(rawNode, field+".raw", "%v", err)
			return nil
		}
		f.Text = rec.String()
		report(spf.Check(rec, policy), func(string) (*yaml.Node, string) { return rawNode, field + ".raw" })
		return f
	}
	if spec.All == "softfail" && !policy.AllowSoftfail {
		l.errorf(nodes["all"], field+".all", "softfail (~all) is not strict; set allow_softfail: true to publish it on purpose")
		spec.All = "fail"
	}
	f.Text = spec.Render()
	if len(flatten) > 0 {
		ok := true
		for i, name := range flatten {
			name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
			if !slices.ContainsFunc(spec.Include, func(inc string) bool { return strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(inc), "."), name) }) {
				l.errorf(flattenNodes[i], fmt.Sprintf("%s.flatten[%d]", field, i), "%q is not among the includes (%s): only an include can be flattened", short(name), strings.Join(spec.Include, ", "))
				ok = false
			}
			flatten[i] = name
		}
		if spec.Redirect != "" {
			l.errorf(nodes["flatten"], field+".flatten", "a record with redirect= cannot be flattened: its addresses would come after the redirect is taken")
			ok = false
		}
		if ok {
			f.Flatten = &SPFFlatten{Spec: spec, Names: flatten}
		}
	}
	report(spec.Check(policy), func(term string) (*yaml.Node, string) {
		if k := spfTermKey(term); k != "" && nodes[k] != nil {
			return nodes[k], field + "." + k
		}
		return n, field
	})
	return f
}

// dmarcKeys maps builder keys to DMARC tags.
var dmarcKeys = map[string]string{
	"policy": "p", "subdomain_policy": "sp", "nonexistent_policy": "np", "adkim": "adkim", "aspf": "aspf",
	"rua": "rua", "ruf": "ruf", "fo": "fo", "testing": "t", "psd": "psd", "pct": "pct", "rf": "rf", "ri": "ri",
}

func (l *loader) dmarc(n *yaml.Node, field string, parked bool) *TXTField {
	f := &TXTField{Pos: l.pos(n)}
	report := func(problems []dmarc.Problem, at func(tag string) (*yaml.Node, string)) {
		for _, pr := range problems {
			node, fld := at(pr.Term)
			d := Diagnostic{Pos: l.pos(node), Field: fld, Severity: Error, Msg: pr.Error()}
			if pr.Severity == dmarc.Warning {
				d.Severity = Warning
			}
			l.add(d)
		}
	}
	if n.Kind == yaml.ScalarNode {
		s, ok := l.str(n, field)
		if !ok {
			return nil
		}
		rec, problems := dmarc.Parse(s)
		report(problems, func(string) (*yaml.Node, string) { return n, field })
		if rec != nil {
			f.Text = rec.String()
			if parked {
				if p, _ := rec.Get("p"); p != "reject" {
					l.errorf(n, field, "a parked domain (mail: none) publishes p=reject")
				}
			}
		}
		return f
	}
	var spec dmarc.Spec
	nodes := map[string]*yaml.Node{}
	var rolloutNode *yaml.Node
	var rolloutField string
	keys := []string{"delete", "rollout"}
	for k := range dmarcKeys {
		keys = append(keys, k)
	}
	for _, p := range l.fields(n, field, keys...) {
		if p.key == "rollout" {
			rolloutNode, rolloutField = p.v, p.field
			continue
		}
		nodes[dmarcKeys[p.key]] = p.v
		switch p.key {
		case "policy":
			spec.Policy, _ = l.str(p.v, p.field)
		case "subdomain_policy":
			spec.SubdomainPolicy, _ = l.str(p.v, p.field)
		case "nonexistent_policy":
			spec.NonexistentPolicy, _ = l.str(p.v, p.field)
		case "adkim":
			spec.ADKIM, _ = l.str(p.v, p.field)
		case "aspf":
			spec.ASPF, _ = l.str(p.v, p.field)
		case "rua":
			spec.RUA, _ = l.strs(p.v, p.field)
		case "ruf":
			spec.RUF, _ = l.strs(p.v, p.field)
		case "fo":
			spec.FO, _ = l.str(p.v, p.field)
		case "testing":
			spec.Testing, _ = l.boolean(p.v, p.field)
		case "psd":
			spec.PSD, _ = l.str(p.v, p.field)
		// pct, rf and ri were removed by RFC 9989: a bad value is a warning,
		// and the tag is then left out of the record.
		case "pct":
			if v, err := strconv.ParseUint(resolve(p.v).Value, 10, 8); err == nil && v <= 100 {
				i := int(v)
				spec.PCT = &i
			} else {
				l.warnf(p.v, p.field, "pct was removed by RFC 9989 and %q is not a whole number 0-100 either; it is left out of the record: remove it", short(resolve(p.v).Value))
			}
		case "rf":
			if v, _ := l.str(p.v, p.field); strings.EqualFold(v, "afrf") {
				spec.RF = v
			} else {
				l.warnf(p.v, p.field, "rf was removed by RFC 9989 and %q is not afrf either; it is left out of the record: remove it", short(v))
			}
		case "ri":
			if v, err := strconv.ParseUint(resolve(p.v).Value, 10, 31); err == nil {
				i := int(v)
				spec.RI = &i
			} else {
				l.warnf(p.v, p.field, "ri was removed by RFC 9989 and %q is not a whole number of seconds either; it is left out of the record: remove it", short(resolve(p.v).Value))
			}
		case "delete":
			if b, _ := l.boolean(p.v, p.field); b {
				f.Absent = true
				return f
			}
		}
	}
	if parked {
		if spec.Policy != "" && spec.Policy != "reject" {
			l.errorf(nodes["p"], field+".policy", "a parked domain (mail: none) publishes p=reject, not %s", spec.Policy)
		}
		spec.Policy, spec.SubdomainPolicy = "reject", "reject"
	}
	if spec.Policy == "" {
		l.errorf(n, field+".policy", "missing; one of none, quarantine, reject")
		return nil
	}
	f.Text = spec.Render()
	if rolloutNode != nil {
		if parked {
			l.errorf(rolloutNode, rolloutField, "a parked domain (mail: none) publishes p=reject at once; remove rollout")
		} else if _, known := strictness[spec.Policy]; known {
			f.Rollout = l.rollout(rolloutNode, rolloutField, spec)
		}
	}
	tagKey := map[string]string{}
	for k, t := range dmarcKeys {
		tagKey[t] = k
	}
	report(spec.Check(), func(tag string) (*yaml.Node, string) {
		t := strings.ToLower(tag)
		if i := strings.IndexAny(t, "=:"); i > 0 {
			t = t[:i]
		}
		if nodes[t] != nil {
			return nodes[t], field + "." + tagKey[t]
		}
		return n, field
	})
	return f
}

func (l *loader) dkim(n *yaml.Node, field string) []Selector {
	var out []Selector
	for _, p := range l.fields(n, field) {
		sel := Selector{Name: strings.ToLower(p.key), Pos: l.pos(p.k)}
		if err := dkim.ValidSelector(p.key); err != nil {
			l.errorf(p.k, p.field, "%v", err)
			continue
		}
		var kinds []string
		ok := true
		for _, q := range l.fields(p.v, p.field, "public_key", "key_file", "cname", "revoked", "delete", "created") {
			switch q.key {
			case "created":
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				t, err := time.Parse("2006-01-02", s)
				if err != nil {
					l.errorf(q.v, q.field, "%q is not a date such as 2026-12-01", short(s))
					ok = false
					continue
				}
				sel.Created = t
			case "public_key":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				key, problems := l.parseKey(s)
				ok = l.dkimProblems(q.v, q.field, problems) && ok
				sel.Kind, sel.Text, sel.Algorithm, sel.Bits, sel.Public = KeySelector, key.Record(), key.Algorithm, key.Bits, key.Public
			case "key_file":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				path := s
				if !filepath.IsAbs(path) {
					path = filepath.Join(l.dir, path)
				}
				data, err := readKeyFile(path)
				if err != nil {
					l.errorf(q.v, q.field, "cannot read key file: %v", err)
					ok = false
					continue
				}
				if strings.Contains(string(data), "PRIVATE KEY") {
					if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
						l.warnf(q.v, q.field, "%s holds a private key and is readable by others (mode %04o); chmod 600 it", s, st.Mode().Perm())
					}
				}
				key, problems := dkim.LoadKeyFile(data)
				ok = l.dkimProblems(q.v, q.field, problems) && ok
				sel.Kind, sel.Text, sel.Algorithm, sel.Bits, sel.Public, sel.KeyFile = KeySelector, key.Record(), key.Algorithm, key.Bits, key.Public, s
			case "cname":
				kinds = append(kinds, q.key)
				s, good := l.str(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				t, good := l.ownerName(q.v, q.field, s, "CNAME target")
				ok = ok && good
				sel.Kind, sel.Target = CNAMESelector, t
			case "revoked", "delete":
				b, good := l.boolean(q.v, q.field)
				if !good {
					ok = false
					continue
				}
				if !b {
					l.errorf(q.v, q.field, "only true makes sense here; remove the key to keep the selector as it is")
					ok = false
					continue
				}
				kinds = append(kinds, q.key)
				if q.key == "revoked" {
					sel.Kind, sel.Text = RevokedSelector, dkim.Revoked()
				} else {
					sel.Kind = DeletedSelector
				}
			}
		}
		switch {
		case len(kinds) == 0 && resolve(p.v) != nil && resolve(p.v).Kind == yaml.MappingNode:
			l.errorf(p.v, p.field, "give one of public_key, key_file, cname, revoked: true or delete: true")
			ok = false
		case len(kinds) > 1:
			l.errorf(p.v, p.field, "give only one of %s", strings.Join(kinds, ", "))
			ok = false
		}
		if ok && len(kinds) == 1 {
			out = append(out, sel)
		}
	}
	return out
}

func (l *loader) dkimProblems(n *yaml.Node, field string, problems []dkim.Problem) bool {
	ok := true
	for _, pr := range problems {
		d := Diagnostic{Pos: l.pos(n), Field: field, Severity: Error, Msg: pr.Error()}
		if pr.Severity == dkim.Warning {
			d.Severity = Warning
		} else {
			ok = false
		}
		l.add(d)
	}
	return ok
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

// maxKeyFile bounds a key file: a 16384-bit RSA private key in PEM is under 13 KiB.
const maxKeyFile = 1 << 20

// readKeyFile reads a key file named by the configuration. Only a regular
// file of at most maxKeyFile bytes is read, and its type is checked before it
// is opened, so a path such as /dev/zero or a FIFO in a pull request cannot
// hang or exhaust a CI run.
func readKeyFile(path string) ([]byte, error) {
	return readRegular(path, maxKeyFile)
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

// selectorPattern is what a dkim_policy selector pattern may hold: LDH text
// and the placeholders {yyyy}, {mm}, {dd}.
var selectorPattern = regexp.MustCompile(`^([a-z0-9-]|\{yyyy\}|\{mm\}|\{dd\})+$`)

// dkimPolicy decodes dkim_policy.
func (l *loader) dkimPolicy(n *yaml.Node, field string) DKIMPolicy {
	p := DKIMPolicy{Pos: l.pos(n)}
	for _, q := range l.fields(n, field, "rotate_every", "algorithm", "bits", "selector") {
		switch q.key {
		case "rotate_every":
			s, ok := l.str(q.v, q.field)
			if !ok {
				continue
			}
			d, err := parseDays(s)
			if err != nil {
				l.errorf(q.v, q.field, "%q is not a period such as 180d or 26w", short(s))
				continue
			}
			p.RotateEvery = d
		case "algorithm":
			s, _ := l.str(q.v, q.field)
			if s != "rsa" && s != "ed25519" && s != "both" {
				l.errorf(q.v, q.field, "must be rsa, ed25519 or both (one key of each, as RFC 8463 recommends), not %q", short(s))
				continue
			}
			p.Algorithm = s
		case "bits":
			if v, ok := l.uint(q.v, q.field, 1024, 4096); ok {
				if v != 1024 && v != 2048 && v != 3072 && v != 4096 {
					l.errorf(q.v, q.field, "must be 2048, 3072 or 4096 (1024 is weak), not %d", v)
					continue
				}
				p.Bits = int(v)
			}
		case "selector":
			s, _ := l.str(q.v, q.field)
			example := strings.NewReplacer("{yyyy}", "2026", "{mm}", "12", "{dd}", "01").Replace(strings.ToLower(s))
			if !selectorPattern.MatchString(strings.ToLower(s)) || dkim.ValidSelector(example) != nil || !strings.Contains(s, "{") {
				l.errorf(q.v, q.field, "%q is not a selector pattern: use letters, digits, hyphens and at least one of {yyyy}, {mm}, {dd}, such as \"mz{yyyy}{mm}\"", short(s))
				continue
			}
			p.Selector = strings.ToLower(s)
		}
	}
	return p
}

// parseDays reads a period as days (180d), weeks (26w) or a Go duration.
func parseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseUint(n, 10, 16)
			if err != nil || v == 0 {
				return 0, fmt.Errorf("bad period")
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad period")
	}
	return d, nil
}
