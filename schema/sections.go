package schema

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/providers"
)

var envRef = regexp.MustCompile(`\$\{([^}]*)\}`)
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *loader) providers(cfg *Config, n *yaml.Node) {
	for _, p := range l.fields(n, "providers") {
		if !l.nameKey(p.k, p.field, "provider", p.key) {
			continue
		}
		prov := &Provider{Name: p.key, Pos: l.pos(p.k), Settings: map[string]Setting{}}
		var typeNode *yaml.Node
		for _, s := range l.fields(p.v, p.field) {
			if s.key == "type" {
				typeNode = s.v
				prov.Type, _ = l.str(s.v, s.field)
				continue
			}
			raw, ok := l.str(s.v, s.field)
			if !ok {
				continue
			}
			set := Setting{Pos: l.pos(s.v)}
			set.Value = envRef.ReplaceAllStringFunc(raw, func(ref string) string {
				name := ref[2 : len(ref)-1]
				if !envName.MatchString(name) {
					l.errorf(s.v, s.field, "%q is not a valid environment variable reference", ref)
					return ""
				}
				set.Vars = append(set.Vars, name)
				v, ok := l.env(name)
				if ok && v != "" {
					set.Expanded = append(set.Expanded, v)
				}
				if !ok || v == "" {
					why := "is not set"
					if ok {
						why = "is empty"
					}
					prov.Unset = append(prov.Unset, Diagnostic{Pos: l.pos(s.v), Field: s.field, Severity: Error,
						Msg: fmt.Sprintf("environment variable %s %s", name, why)})
				}
				return v
			})
			prov.Settings[s.key] = set
		}
		if resolve(p.v) != nil && resolve(p.v).Kind == yaml.MappingNode {
			if typeNode == nil {
				l.errorf(p.k, p.field+".type", "missing; known provider types: %s", strings.Join(providers.Names(), ", "))
			} else if prov.Type != "" {
				// A secret written in the file would end up in git.
				for key, s := range prov.Settings {
					if providers.IsSecret(prov.Type, key) && len(s.Vars) == 0 && s.Value != "" {
						l.add(Diagnostic{Pos: s.Pos, Field: join(p.field, key), Severity: Error,
							Msg: fmt.Sprintf("is a secret and must come from the environment, as %q; do not write it in the file", "${"+strings.ToUpper(p.key+"_"+key)+"}")})
					}
				}
				vals := prov.SettingValues()
				for key, s := range prov.Settings {
					if len(s.Vars) > 0 && s.Value == "" {
						vals[key] = "${" + s.Vars[0] + "}" // unset: not "missing" for Check
					}
				}
				for _, err := range providers.Check(providers.Config{Name: prov.Name, Type: prov.Type, Settings: vals, Dir: l.dir}) {
					var se *providers.SettingError
					at := typeNode
					field := p.field
					if errors.As(err, &se) {
						field = join(p.field, se.Key)
						if s, ok := prov.Settings[se.Key]; ok {
							l.add(Diagnostic{Pos: s.Pos, Field: field, Severity: Error, Msg: se.Msg})
							continue
						}
						if se.Key != "type" {
							at = resolve(p.k)
						}
						l.errorf(at, field, "%s", se.Msg)
						continue
					}
					l.errorf(at, field, "%s", err.Error())
				}
			}
		}
		if cfg.Provider(prov.Name) == nil {
			cfg.Providers = append(cfg.Providers, prov)
		}
	}
}

func (l *loader) defaults(cfg *Config, n *yaml.Node) {
	for _, p := range l.fields(n, "defaults", "ttl", "provider", "resolver", "verify", "new_zone", "safety", "dmarc_evidence", "report_authorization") {
		switch p.key {
		case "report_authorization":
			if v, ok := l.str(p.v, p.field); ok {
				if v != "wildcard" && v != "per-domain" {
					l.errorf(p.v, p.field, "must be per-domain (one record per domain, the default) or wildcard (one *._report._dmarc record per destination), not %q", short(v))
				} else {
					cfg.Defaults.ReportAuthorization = v
				}
			}
		case "dmarc_evidence":
			cfg.Defaults.DMARCEvidence, _ = l.str(p.v, p.field)
		case "safety":
			for _, q := range l.fields(p.v, p.field, "max_change_percent") {
				if v, ok := l.uint(q.v, q.field, 1, 100); ok {
					cfg.Defaults.MaxChangePercent = int(v)
				}
			}
		case "new_zone":
			for _, q := range l.fields(p.v, p.field, "nameservers", "hostmaster") {
				switch q.key {
				case "nameservers":
					ss, nodes := l.strs(q.v, q.field)
					for i, s := range ss {
						if h, ok := l.hostName(nodes[i], fmt.Sprintf("%s[%d]", q.field, i), s, "nameserver"); ok {
							cfg.Defaults.NewZone.Nameservers = append(cfg.Defaults.NewZone.Nameservers, h)
						}
					}
				case "hostmaster":
					if s, ok := l.str(q.v, q.field); ok {
						if h, ok := l.hostName(q.v, q.field, strings.Replace(s, "@", ".", 1), "hostmaster"); ok {
							cfg.Defaults.NewZone.Hostmaster = h
						}
					}
				}
			}
		case "ttl":
			if v, ok := l.uint(p.v, p.field, 1, 1<<31-1); ok {
				cfg.Defaults.TTL = uint32(v)
			}
		case "provider":
			cfg.Defaults.Provider, _ = l.str(p.v, p.field)
		case "resolver":
			if s, ok := l.str(p.v, p.field); ok {
				if a, ok := l.addrPort(p.v, p.field, s); ok {
					cfg.Defaults.Resolver = a
				}
			}
		case "verify":
			cfg.Defaults.Verify = l.verify(p.v, p.field, Verify{})
		}
	}
}

// addrPort accepts "ip", "ip:port" or "[ipv6]:port" and returns "ip:port".
func (l *loader) addrPort(n *yaml.Node, field, s string) (string, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.AddrPortFrom(a, 53).String(), true
	}
	l.errorf(n, field, "%q is not an IP address with an optional port (such as 127.0.0.1:53 or [::1]:53)", s)
	return "", false
}

func (l *loader) verify(n *yaml.Node, field string, v Verify) Verify {
	for _, p := range l.fields(n, field, "nameservers", "timeout") {
		switch p.key {
		case "nameservers":
			v.Nameservers = nil
			ss, nodes := l.strs(p.v, p.field)
			for i, s := range ss {
				if a, ok := l.addrPort(nodes[i], fmt.Sprintf("%s[%d]", p.field, i), s); ok {
					v.Nameservers = append(v.Nameservers, a)
				}
			}
		case "timeout":
			if s, ok := l.str(p.v, p.field); ok {
				d, err := time.ParseDuration(s)
				if err != nil || d <= 0 {
					l.errorf(p.v, p.field, "%q is not a positive duration such as 90s or 5m", s)
				} else {
					v.Timeout = d
				}
			}
		}
	}
	return v
}
