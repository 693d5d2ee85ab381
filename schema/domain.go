package schema

import (
	"net/netip"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dnsname"
)

// domain decodes one domain's merged node.
func (l *loader) domain(cfg *Config, name, field string, n *yaml.Node) *Domain {
	d := &Domain{Name: name, Zone: name, TTL: cfg.Defaults.TTL, Provider: cfg.Defaults.Provider,
		Verify: cfg.Defaults.Verify}
	pairs := l.fields(n, field, domainKeys...)
	d.Fields = make([]FieldPos, 0, len(pairs))
	var dmarcNode *yaml.Node
	for _, p := range pairs {
		d.Fields = append(d.Fields, FieldPos{p.key, l.pos(p.v)})
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
			d.MX = l.memoMX(p.v, p.field)
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
