package schema

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/providers"
)

// Load reads, merges and validates the configuration at path, expanding ${VAR}
// in provider blocks from the process environment. The error, when not nil, is
// a [Diagnostics] listing every problem found; warnings are in Config.Warnings.
func Load(path string) (*Config, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, os.LookupEnv)
}

// MaxFile bounds the configuration file: 10,000 domains take about 2 MiB.
const MaxFile = 32 << 20

// ReadFile reads a configuration file. Only a regular file of at most
// MaxFile bytes is read: the type is checked before the file is opened, so a
// FIFO or a device named in a pull request cannot hang or exhaust a run.
func ReadFile(path string) ([]byte, error) {
	data, err := readRegular(path, MaxFile)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return data, nil
}

// readRegular reads path if it is a regular file of at most max bytes.
func readRegular(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, st.Mode().Type())
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes; the limit is %d", path, st.Size(), max)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err = f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	// Read into a buffer of the file's size (a fleet's file is megabytes:
	// growing a buffer from 512 bytes copies and clears it many times).
	data := make([]byte, 0, min(st.Size(), max)+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > max {
			break
		}
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return data, nil
}

// checkText reports where data is not text YAML can hold: a NUL byte or
// invalid UTF-8, with its line and column; a UTF-8 byte order mark is fine.
func (l *loader) checkText(data []byte) bool {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			l.add(Diagnostic{Pos: Pos{File: l.file, Line: line, Col: col}, Severity: Error, Msg: fmt.Sprintf("not valid UTF-8: byte 0x%02x; save the file as UTF-8", data[i])})
			return false
		case r == 0:
			l.add(Diagnostic{Pos: Pos{File: l.file, Line: line, Col: col}, Severity: Error, Msg: "a NUL byte; the configuration must be text"})
			return false
		case r == '\n':
			line, col = line+1, 0
		}
		col++
		i += size
	}
	return true
}

// Parse is Load on data already read; file names the data in messages and
// locates relative paths (key files). env looks environment variables up.
func Parse(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	l := &loader{file: file, dir: filepath.Dir(file), env: env}
	cfg := l.config(data)
	if cfg != nil && !l.diags.HasErrors() {
		authorizeReports(cfg)
	}
	l.diags.Sort()
	if l.diags.HasErrors() {
		return cfg, l.diags
	}
	if cfg != nil {
		cfg.Warnings = l.diags
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) config(data []byte) *Config {
	if len(data) > MaxFile {
		l.add(Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: fmt.Sprintf("%d bytes; the limit is %d", len(data), MaxFile)})
		return nil
	}
	if !l.checkText(data) {
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d := Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: "not valid YAML: " + err.Error()}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &d.Pos.Line)
			d.Pos.Col = 1
			d.Msg = "not valid YAML: " + m[2]
		}
		l.add(d)
		return nil
	}
	if len(doc.Content) == 0 {
		l.add(Diagnostic{Pos: Pos{File: l.file}, Severity: Error, Msg: "the file is empty; it needs at least version: 1, providers: and domains:"})
		return nil
	}
	root := doc.Content[0]
	cfg := &Config{File: l.file, Dir: l.dir, Defaults: Defaults{TTL: 3600, MaxChangePercent: 30}}
	var profiles, domains *yaml.Node
	version := false
	for _, p := range l.fields(root, "", "version", "providers", "defaults", "profiles", "domains") {
		switch p.key {
		case "version":
			version = true
			if v, ok := l.uint(p.v, "version", 0, 1<<31); ok && v != Version {
				l.errorf(p.v, "version", "schema version %d is not supported; this mailzone reads version %d", v, Version)
			}
		case "providers":
			l.providers(cfg, p.v)
		case "defaults":
			l.defaults(cfg, p.v)
		case "profiles":
			profiles = p.v
		case "domains":
			domains = p.v
		}
	}
	if root.Kind == yaml.MappingNode && !version {
		l.errorf(root, "version", "missing; add version: 1 at the top of the file")
	}
	if root.Kind == yaml.MappingNode && domains == nil {
		l.errorf(root, "domains", "missing; the file declares no domains")
	}
	l.domains(cfg, domains, l.profiles(profiles))
	return cfg
}

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
	seen := map[string]Pos{}
	var entries []entry
	for _, p := range l.fields(n, "domains") {
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
				l.add(d)
			}
		}
	}
	cfg.Domains = append(cfg.Domains, out...)
}

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
			skip := map[string]bool{"profile": true}
			if m := lookup(own, "mail"); m != nil && m.Value == "none" {
				// A parked domain publishes the fixed parked set; the
				// profile's mail policy does not apply to it.
				for _, k := range []string{"mx", "spf", "dkim", "dkim_policy", "mta_sts", "tls_rpt", "bimi"} {
					skip[k] = true
				}
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
	for _, r := range d.Records() {
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

// short quotes at most about 100 bytes of a value in messages.
func short(s string) string { return escape.Short(s) }

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
