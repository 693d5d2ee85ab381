package schema

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dnsname"
)

// domainKeys are the keys a domain (and a profile) may hold.
var domainKeys = []string{"provider", "profile", "zone", "ttl", "mail", "mx", "spf", "dkim", "dkim_policy", "dmarc", "mta_sts", "tls_rpt", "bimi", "verify"}

// profiles returns each profile's node with the profiles it inherits merged in.
func (l *loader) profiles(n *yaml.Node) map[string]*yaml.Node {
	raw := map[string]pair{}
	var order []string
	for _, p := range l.fields(n, "profiles") {
		if !l.nameKey(p.k, p.field, "profile", p.key) {
			continue
		}
		order = append(order, p.key)
		keys := []string{}
		for _, k := range domainKeys {
			if k != "zone" {
				keys = append(keys, k)
			}
		}
		l.fields(p.v, p.field, keys...) // reports unknown keys once, at the profile
		raw[p.key] = p
	}
	out := map[string]*yaml.Node{}
	var resolveProfile func(name string, stack []string) *yaml.Node
	resolveProfile = func(name string, stack []string) *yaml.Node {
		if n, ok := out[name]; ok {
			return n
		}
		p := raw[name]
		node := p.v
		if parent := lookup(p.v, "profile"); parent != nil {
			pname := parent.Value
			switch {
			case contains(stack, pname):
				l.errorf(parent, p.field+".profile", "profiles inherit in a cycle: %s", strings.Join(append(stack, pname), " → "))
			case raw[pname].v == nil:
				l.errorf(parent, p.field+".profile", "unknown profile %q", pname)
			default:
				node = merge(resolveProfile(pname, append(stack, pname)), p.v, map[string]bool{"profile": true})
			}
		}
		out[name] = node
		return node
	}
	for _, name := range order {
		resolveProfile(name, []string{name})
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// validName reports why name is not a valid host name, or "".
func validName(name string) string {
	if err := dnsname.Host(name); err != nil {
		return err.Error()
	}
	return ""
}

func (l *loader) domains(cfg *Config, n *yaml.Node, profiles map[string]*yaml.Node) {
	type entry struct {
		name, field string
		k, v        *yaml.Node
	}
	pairs := l.fields(n, "domains")
	seen := make(map[string]Pos, len(pairs))
	entries := make([]entry, 0, len(pairs))
	for _, p := range pairs {
		name := strings.ToLower(strings.TrimSuffix(p.key, "."))
		field := "domains." + name
		if why := validName(name); why != "" {
			l.errorf(p.k, field, "domain name %s", why)
			continue
		}
		if prev, dup := seen[name]; dup {
			l.errorf(p.k, field, "domain declared twice (first at line %d)", prev.Line)
			continue
		}
		seen[name] = l.pos(p.k)
		entries = append(entries, entry{name, field, p.k, p.v})
	}
	// Each domain is built on its own, so a fleet's domains are built on
	// every core: each worker has a loader of its own (its diagnostics and
	// memos), and the diagnostics are merged in order afterwards.
	out := make([]*Domain, len(entries))
	workers := 1
	if len(entries) >= 512 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	subs := make([]*loader, workers)
	var wg sync.WaitGroup
	for w := range workers {
		sub := l
		if workers > 1 {
			sub = &loader{file: l.file, dir: l.dir, env: l.env}
		}
		subs[w] = sub
		from, to := w*len(entries)/workers, (w+1)*len(entries)/workers
		build := func() {
			for i := from; i < to; i++ {
				e := entries[i]
				out[i] = sub.domainEntry(cfg, e.name, e.field, e.k, e.v, profiles)
			}
		}
		if workers == 1 {
			build()
		} else {
			wg.Go(build)
		}
	}
	wg.Wait()
	if workers > 1 {
		for _, sub := range subs {
			for _, d := range sub.diags {
				l.keep(d)
			}
		}
	}
	cfg.Domains = append(cfg.Domains, out...)
}

// skipProfile is what a domain does not take from its profile, and
// skipParked what a parked domain does not: a parked domain publishes the
// fixed parked set, so the profile's mail policy does not apply to it.
var (
	skipProfile = map[string]bool{"profile": true}
	skipParked  = map[string]bool{"profile": true, "mx": true, "spf": true, "dkim": true, "dkim_policy": true, "mta_sts": true, "tls_rpt": true, "bimi": true}
)

// domainEntry builds the domain declared at key k with value v, merged over
// its profile.
func (l *loader) domainEntry(cfg *Config, name, field string, k, v *yaml.Node, profiles map[string]*yaml.Node) *Domain {
	node := v
	if node == nil || (node.Kind == yaml.ScalarNode && node.Tag == "!!null") {
		node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}
	}
	own := node
	profile := ""
	if pn := lookup(node, "profile"); pn != nil {
		profile = pn.Value
		base, ok := profiles[profile]
		if !ok {
			l.errorf(pn, field+".profile", "unknown profile %q", profile)
		} else {
			skip := skipProfile
			if m := lookup(own, "mail"); m != nil && m.Value == "none" {
				skip = skipParked
			}
			node = merge(base, own, skip)
		}
	}
	d := l.domain(cfg, name, field, node)
	d.Profile = profile
	d.Pos = l.pos(k)
	l.ownedNameLengths(d, k, field)
	return d
}

// ownedNameLengths rejects a domain whose longest owned name, such as
// <selector>._domainkey.<domain> or _dmarc.<domain>, would exceed what DNS
// carries, so the error comes with a position before any write and not from
// the provider halfway through an apply.
func (l *loader) ownedNameLengths(d *Domain, key *yaml.Node, field string) {
	if longestOwned(d) <= dnsname.MaxName {
		return
	}
	for _, r := range d.records(false) {
		name := strings.TrimSuffix(r.Set.Name, ".")
		if len(name) <= dnsname.MaxName {
			continue
		}
		pos, f := l.pos(key), field
		if r.Pos.Line > 0 {
			pos, f = r.Pos, field+"."+r.Field
		}
		l.add(Diagnostic{Pos: pos, Field: f, Severity: Error,
			Msg: fmt.Sprintf("the owned name %s is %d octets long; DNS names hold at most %d, so it cannot be published", short(name), len(name), dnsname.MaxName)})
		return
	}
}

// longestPrefix is the longest fixed label run mailzone puts before a
// domain's name: "default._bimi.".
const longestPrefix = len("default._bimi.")

// longestOwned bounds the length of the longest name the domain owns, so
// that a domain well inside DNS limits is not built twice to be checked.
func longestOwned(d *Domain) int {
	n := len(d.Name) + longestPrefix
	for _, s := range d.DKIM {
		n = max(n, len(s.Name)+len("._domainkey.")+len(d.Name))
	}
	for _, a := range d.ReportAuth {
		n = max(n, len(a.Name))
	}
	return n
}

// keyName is what a provider or profile may be called: the names are printed
// in plans, logs, markdown and workflow commands, so they hold nothing that
// any of those would interpret.
var keyName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// nameKey checks the name of a provider or profile.
func (l *loader) nameKey(k *yaml.Node, field, what, name string) bool {
	if keyName.MatchString(name) {
		return true
	}
	l.errorf(k, field, "%s name %q: use lower-case letters, digits, _ and -, starting with a letter or digit (at most 63)", what, short(name))
	return false
}
