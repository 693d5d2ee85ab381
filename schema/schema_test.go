package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers"
)

func init() {
	providers.Register(providers.Type{
		Name: "testdns",
		Settings: []providers.Setting{
			{Name: "server", Required: true, Help: "host:port"},
			{Name: "token", Secret: true, Help: "API token"},
		},
		Open: func(providers.Config) (providers.Provider, error) { return nil, errors.New("not for opening") },
	})
}

// head is the part of a configuration most cases share.
const head = `version: 1
providers:
  p: {type: testdns, server: "127.0.0.1:53"}
defaults: {provider: p}
`

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func parse(t *testing.T, src string) (*Config, Diagnostics) {
	t.Helper()
	cfg, err := Parse("mailzone.yaml", []byte(src), env(map[string]string{"TOKEN": "s3cr3t-token"}))
	if err == nil {
		return cfg, cfg.Warnings
	}
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Parse error is %T, not Diagnostics: %v", err, err)
	}
	return cfg, ds
}

// TestErrors checks the exact text and position of each validation error.
// longDomain is a valid 250-octet domain name: its owned names are longer than DNS allows.
var longDomain = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 50) + ".example"

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // one diagnostic line, exactly
	}{
		{"unknown top-level key", head + "domains: {a.example: {}}\nextra: 1\n",
			`mailzone.yaml:6:1: extra: unknown key "extra" (known: defaults, domains, profiles, providers, version)`},
		{"missing version", "providers: {p: {type: testdns, server: x}}\ndomains: {a.example: {provider: p}}\n",
			"mailzone.yaml:1:1: version: missing; add version: 1 at the top of the file"},
		{"unsupported version", "version: 2\n" + strings.TrimPrefix(head, "version: 1\n") + "domains: {a.example: {}}\n",
			"mailzone.yaml:1:10: version: schema version 2 is not supported; this mailzone reads version 1"},
		{"not yaml", "version: 1\ndomains: [\n",
			"mailzone.yaml:2:1: not valid YAML: did not find expected node content"},
		{"mx list", head + "domains:\n  a.example:\n    mx: [mx1.example.net, mx2.example.net]\n",
			"mailzone.yaml:7:9: domains.a.example.mx: mailzone manages a single MX per domain (one inbound gateway, preference 10); give one host, not a list of 2"},
		{"mx ip literal", head + "domains:\n  a.example:\n    mx: 192.0.2.1\n",
			"mailzone.yaml:7:9: domains.a.example.mx: MX target must be a host name, not an IP address (192.0.2.1)"},
		{"mx null by hand", head + "domains:\n  a.example:\n    mx: \".\"\n",
			"mailzone.yaml:7:9: domains.a.example.mx: a null MX (RFC 7505) is published by mail: none, which also sets the parked SPF, DKIM and DMARC records"},
		{"mx bad host", head + "domains:\n  a.example:\n    mx: {host: mx_1.example.net}\n",
			`mailzone.yaml:7:16: domains.a.example.mx.host: MX target "mx_1.example.net" label "mx_1" holds an underscore, which a host name may not`},
		{"domain is an IP literal", head + "domains:\n  192.0.2.1: {mx: mx.example.net}\n",
			`mailzone.yaml:6:3: domains.192.0.2.1: domain name is an IP address, not a domain name`},
		{"domain bad punycode", head + "domains:\n  xn--zz.example: {mx: mx.example.net}\n",
			`mailzone.yaml:6:3: domains.xn--zz.example: domain name label "xn--zz" is not valid punycode (IDNA): idna: invalid label "zz"`},
		{"owned name too long", head + "domains:\n  " + longDomain + ":\n    mx: mx.example.net\n    dkim:\n      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}\n",
			"mailzone.yaml:9:7: domains." + longDomain + ".dkim.selector1: the owned name " + short("selector1._domainkey."+longDomain) + " is 271 octets long; DNS names hold at most 253, so it cannot be published"},
		{"dmarc name too long", head + "domains:\n  " + longDomain + ":\n    mx: mx.example.net\n    dmarc: {policy: reject}\n",
			"mailzone.yaml:8:12: domains." + longDomain + ".dmarc: the owned name " + short("_dmarc."+longDomain) + " is 257 octets long; DNS names hold at most 253, so it cannot be published"},
		{"mx preference range", head + "domains:\n  a.example:\n    mx: {host: mx.example.net, preference: 70000}\n",
			`mailzone.yaml:7:44: domains.a.example.mx.preference: must be a whole number from 0 to 65535, not "70000"`},
		{"spf all pass", head + "domains:\n  a.example:\n    spf: {include: [x.example.net], all: pass}\n",
			"mailzone.yaml:7:42: domains.a.example.spf.all: all: pass would let any host send as this domain; use fail (-all)"},
		{"spf softfail not allowed", head + "domains:\n  a.example:\n    spf: {include: [x.example.net], all: softfail}\n",
			"mailzone.yaml:7:42: domains.a.example.spf.all: softfail (~all) is not strict; set allow_softfail: true to publish it on purpose"},
		{"spf raw and builder", head + "domains:\n  a.example:\n    spf: {raw: \"v=spf1 -all\", include: [x.example.net]}\n",
			"mailzone.yaml:7:40: domains.a.example.spf.include: give either raw or the builder keys, not both"},
		{"dkim bad selector", head + "domains:\n  a.example:\n    dkim:\n      bad_sel: {revoked: true}\n",
			`mailzone.yaml:8:7: domains.a.example.dkim.bad_sel: selector "bad_sel": label "bad_sel" may hold only letters, digits and hyphens`},
		{"dkim two kinds", head + "domains:\n  a.example:\n    dkim:\n      s1: {revoked: true, cname: s1.esp.example.}\n",
			"mailzone.yaml:8:11: domains.a.example.dkim.s1: give only one of revoked, cname"},
		{"dkim no kind", head + "domains:\n  a.example:\n    dkim:\n      s1: {}\n",
			"mailzone.yaml:8:11: domains.a.example.dkim.s1: give one of public_key, key_file, cname, revoked: true or delete: true"},
		{"dkim unreadable key file", head + "domains:\n  a.example:\n    dkim:\n      s1: {key_file: keys/missing.pem}\n",
			"mailzone.yaml:8:22: domains.a.example.dkim.s1.key_file: cannot read key file: stat keys/missing.pem: no such file or directory"},
		{"dkim revoked false", head + "domains:\n  a.example:\n    dkim:\n      s1: {revoked: false}\n",
			"mailzone.yaml:8:21: domains.a.example.dkim.s1.revoked: only true makes sense here; remove the key to keep the selector as it is"},
		{"unknown profile", head + "domains:\n  a.example: {profile: nope}\n",
			`mailzone.yaml:6:24: domains.a.example.profile: unknown profile "nope"`},
		{"profile cycle", head + "profiles:\n  a: {profile: b}\n  b: {profile: a}\ndomains:\n  x.example: {profile: a}\n",
			"mailzone.yaml:7:16: profiles.b.profile: profiles inherit in a cycle: a → b → a"},
		{"domain outside zone", head + "domains:\n  mail.a.example: {zone: b.example}\n",
			"mailzone.yaml:6:26: domains.mail.a.example.zone: domain mail.a.example is not inside zone b.example"},
		{"duplicate domain", head + "domains:\n  a.example: {}\n  A.example.: {}\n",
			"mailzone.yaml:7:3: domains.a.example: domain declared twice (first at line 6)"},
		{"bad domain name", head + "domains:\n  a..example: {}\n",
			"mailzone.yaml:6:3: domains.a..example: domain name has an empty label"},
		{"unknown provider", "version: 1\nproviders: {p: {type: testdns, server: x}}\ndomains:\n  a.example: {provider: q}\n",
			`mailzone.yaml:4:25: domains.a.example.provider: unknown provider "q" (declared: p)`},
		{"no provider", "version: 1\nproviders: {p: {type: testdns, server: x}}\ndomains:\n  a.example: {ttl: 60}\n",
			"mailzone.yaml:4:14: domains.a.example.provider: missing; name one of the providers (p), here, in its profile or in defaults"},
		{"secret in file", "version: 1\nproviders:\n  p: {type: testdns, server: x, token: abc123}\ndomains: {a.example: {provider: p}}\n",
			`mailzone.yaml:3:40: providers.p.token: is a secret and must come from the environment, as "${P_TOKEN}"; do not write it in the file`},
		{"provider unknown key", "version: 1\nproviders:\n  p: {type: testdns, server: x, tokn: y}\ndomains: {a.example: {provider: p}}\n",
			"mailzone.yaml:3:39: providers.p.tokn: unknown key for provider type testdns (known: server, token)"},
		{"provider missing required", "version: 1\nproviders:\n  p: {type: testdns}\ndomains: {a.example: {provider: p}}\n",
			"mailzone.yaml:3:3: providers.p.server: required by provider type testdns (host:port)"},
		{"provider unknown type", "version: 1\nproviders:\n  p: {type: bind}\ndomains: {a.example: {provider: p}}\n",
			`mailzone.yaml:3:13: providers.p.type: unknown provider type "bind" (known: ` + strings.Join(providers.Names(), ", ") + "; for a DNS host mailzone cannot write, use manual: it prints what to change and checks it)"},
		{"provider without type", "version: 1\nproviders:\n  p: {server: x}\ndomains: {a.example: {provider: p}}\n",
			"mailzone.yaml:3:3: providers.p.type: missing; known provider types: " + strings.Join(providers.Names(), ", ")},
		{"parked with mx", head + "domains:\n  a.example: {mail: none, mx: mx.example.net}\n",
			"mailzone.yaml:6:31: domains.a.example.mx: a parked domain (mail: none) publishes the null MX; remove mx"},
		{"mail other than none", head + "domains:\n  a.example: {mail: yes}\n",
			`mailzone.yaml:6:21: domains.a.example.mail: the only value is none (a parked domain that sends and receives no mail), not "yes"`},
		{"mta-sts bad id", head + "domains:\n  a.example: {mta_sts: {mode: enforce, id: 2026-11-24}}\n",
			`mailzone.yaml:6:44: domains.a.example.mta_sts.id: must be 1 to 32 letters and digits (RFC 8461 §3.1), not "2026-11-24"; or leave it out, and mailzone derives it from the policy`},
		{"mta-sts bad mode", head + "domains:\n  a.example: {mta_sts: {mode: strict, id: \"1\"}}\n",
			`mailzone.yaml:6:31: domains.a.example.mta_sts.mode: must be enforce, testing or none (RFC 8461), not "strict"`},
		{"tls-rpt bad uri", head + "domains:\n  a.example: {tls_rpt: {rua: [tlsrpt@example.net]}}\n",
			`mailzone.yaml:6:31: domains.a.example.tls_rpt.rua[0]: "tlsrpt@example.net" must be a mailto: or https: URI (RFC 8460 §3)`},
		{"bimi without enforcing dmarc", head + "domains:\n  a.example:\n    dmarc: {policy: none}\n    bimi: {logo: \"https://a.example/l.svg\"}\n",
			"mailzone.yaml:8:11: domains.a.example.bimi: BIMI needs a DMARC policy of quarantine or reject on the domain"},
		{"dmarc without policy", head + "domains:\n  a.example:\n    dmarc: {rua: [\"mailto:d@a.example\"]}\n",
			"mailzone.yaml:7:12: domains.a.example.dmarc.policy: missing; one of none, quarantine, reject"},
		{"ttl not a number", head + "domains:\n  a.example: {ttl: 1h}\n",
			`mailzone.yaml:6:20: domains.a.example.ttl: must be a whole number from 1 to 2147483647, not "1h"`},
		{"unknown domain key", head + "domains:\n  a.example: {spff: \"v=spf1 -all\"}\n",
			`mailzone.yaml:6:15: domains.a.example.spff: unknown key "spff" (known: bimi, dkim, dkim_policy, dmarc, mail, mta_sts, mx, profile, provider, spf, tls_rpt, ttl, verify, zone)`},
		{"verify bad nameserver", head + "domains:\n  a.example: {verify: {nameservers: [ns1.example.net]}}\n",
			`mailzone.yaml:6:38: domains.a.example.verify.nameservers[0]: "ns1.example.net" is not an IP address with an optional port (such as 127.0.0.1:53 or [::1]:53)`},
		{"verify bad timeout", head + "domains:\n  a.example: {verify: {timeout: soon}}\n",
			`mailzone.yaml:6:33: domains.a.example.verify.timeout: "soon" is not a positive duration such as 90s or 5m`},
		{"yaml merge key", head + "x: &x {ttl: 60}\ndomains:\n  a.example: {<<: *x}\n",
			`mailzone.yaml:5:1: x: unknown key "x" (known: defaults, domains, profiles, providers, version)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := parse(t, tt.src)
			var lines []string
			for _, d := range ds {
				lines = append(lines, d.String())
				if d.String() == tt.want {
					return
				}
			}
			t.Errorf("want diagnostic\n  %s\ngot\n  %s", tt.want, strings.Join(lines, "\n  "))
		})
	}
}

// TestAllErrorsAtOnce checks that one run reports every problem, not only the first.
func TestAllErrorsAtOnce(t *testing.T) {
	_, ds := parse(t, head+`domains:
  a.example:
    mx: [a.example.net, b.example.net]
    spf: {include: [x.example.net], all: pass}
    dkim: {bad_sel: {revoked: true}}
  b.example: {mail: maybe}
`)
	if n := len(ds.Errors()); n != 4 {
		t.Fatalf("want 4 errors, got %d:\n%v", n, ds)
	}
	lines := []int{}
	for _, d := range ds {
		lines = append(lines, d.Pos.Line)
	}
	if lines[0] != 7 || lines[3] != 10 {
		t.Errorf("diagnostics not in file order: lines %v", lines)
	}
}

func TestEnvExpansion(t *testing.T) {
	src := "version: 1\nproviders:\n  p: {type: testdns, server: x, token: \"${TOKEN}\"}\n  q: {type: testdns, server: x, token: \"${NOT_SET}\"}\ndomains: {a.example: {provider: p}}\nprofiles: {s: {dmarc: {policy: \"${TOKEN}\"}}}\n"
	cfg, ds := parse(t, src)
	if ds.HasErrors() {
		t.Fatalf("unexpected errors: %v", ds)
	}
	if got := cfg.Provider("p").Settings["token"].Value; got != "s3cr3t-token" {
		t.Errorf("token = %q", got)
	}
	unset := cfg.Provider("q").Unset
	if len(unset) != 1 || unset[0].String() != "mailzone.yaml:4:40: providers.q.token: environment variable NOT_SET is not set" {
		t.Errorf("unset = %v", unset)
	}
	if got := cfg.Provider("p").Secrets(); len(got) != 1 || got[0] != "s3cr3t-token" {
		t.Errorf("secrets = %q", got)
	}
}

// TestProfileMerge checks that a domain inherits its profile field by field.
func TestProfileMerge(t *testing.T) {
	cfg, ds := parse(t, head+`profiles:
  base:
    ttl: 600
    mx: mx.example.net
    dmarc: {policy: quarantine, rua: ["mailto:d@example.net"]}
  standard:
    profile: base
    spf: {include: [spf.example.net]}
domains:
  a.example:
    profile: standard
    dmarc: {policy: reject}
  b.example:
    profile: standard
    ttl: 300
    mx: {host: other.example.net, preference: 5}
`)
	if ds.HasErrors() {
		t.Fatalf("errors: %v", ds)
	}
	a, b := cfg.Domain("a.example"), cfg.Domain("b.example")
	if a.DMARC.Text != "v=DMARC1; p=reject; rua=mailto:d@example.net" {
		t.Errorf("a dmarc = %q", a.DMARC.Text)
	}
	if a.TTL != 600 || a.MX.Host != "mx.example.net." || a.SPF.Text != "v=spf1 include:spf.example.net -all" {
		t.Errorf("a = ttl %d mx %v spf %q", a.TTL, a.MX, a.SPF.Text)
	}
	if b.TTL != 300 || b.MX.Host != "other.example.net." || b.MX.Preference != 5 {
		t.Errorf("b = ttl %d mx %+v", b.TTL, b.MX)
	}
	if a.Profile != "standard" {
		t.Errorf("profile = %q", a.Profile)
	}
}

func TestParkedRecords(t *testing.T) {
	cfg, ds := parse(t, head+"profiles: {s: {mx: mx.example.net}}\ndomains:\n  p.example: {profile: s, mail: none}\n")
	if ds.HasErrors() {
		t.Fatalf("errors: %v", ds)
	}
	var got []string
	for _, r := range cfg.Domain("p.example").Records() {
		got = append(got, r.Field+" "+r.Set.Name+" "+r.Set.Type+" "+strings.Join(r.Set.Values, "|"))
	}
	want := []string{
		"mx p.example. MX 0 .",
		"spf p.example. TXT v=spf1 -all",
		"dkim.* *._domainkey.p.example. TXT v=DKIM1; p=",
		"dkim.* *._domainkey.p.example. CNAME ",
		"dmarc _dmarc.p.example. TXT v=DMARC1; p=reject; sp=reject",
		"dmarc _dmarc.p.example. CNAME ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDeterministic checks that the same policy always renders the same text,
// whatever the order it is written in.
func TestDeterministic(t *testing.T) {
	a, _ := parse(t, head+"domains:\n  a.example:\n    spf: {ip4: [192.0.2.0/24, 198.51.100.1], include: [a.example.net], mx: true}\n    dmarc: {rua: [\"mailto:d@a.example\"], policy: reject, aspf: s}\n")
	b, _ := parse(t, head+"domains:\n  a.example:\n    dmarc: {aspf: s, policy: reject, rua: \"mailto:d@a.example\"}\n    spf: {mx: true, include: [a.example.net], ip4: [198.51.100.1, 192.0.2.0/24]}\n")
	da, db := a.Domain("a.example"), b.Domain("a.example")
	if da.SPF.Text != db.SPF.Text || da.DMARC.Text != db.DMARC.Text {
		t.Errorf("differ:\n%q\n%q\n%q\n%q", da.SPF.Text, db.SPF.Text, da.DMARC.Text, db.DMARC.Text)
	}
}

func TestKeyFileWorldReadable(t *testing.T) {
	dir := t.TempDir()
	key := `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGqNmyaaUaTZHeEh3KqwmPaHQasdbn5GYi+NgJmnpc6G
-----END PRIVATE KEY-----
`
	if err := os.WriteFile(filepath.Join(dir, "k.pem"), []byte(key), 0o644); err != nil {
		t.Fatal(err)
	}
	src := head + "domains:\n  a.example:\n    dkim: {s1: {key_file: k.pem}}\n"
	cfg, err := Parse(filepath.Join(dir, "mailzone.yaml"), []byte(src), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 2 || !strings.Contains(cfg.Warnings.Error(), "holds a private key and is readable by others (mode 0644); chmod 600 it") ||
		!strings.Contains(cfg.Warnings.Error(), "only keys are Ed25519") {
		t.Errorf("warnings = %v", cfg.Warnings)
	}
	if sel := cfg.Domain("a.example").DKIM[0]; sel.Algorithm != "ed25519" || !strings.HasPrefix(sel.Text, "v=DKIM1; k=ed25519; p=") {
		t.Errorf("selector = %+v", sel)
	}
	if strings.Contains(cfg.Domain("a.example").DKIM[0].Text, "MC4CAQAw") {
		t.Error("private key material in the record")
	}
}

func TestOwnership(t *testing.T) {
	for _, tt := range []struct {
		text      string
		spf, dmrc bool
	}{
		{"v=spf1 -all", true, false},
		{"V=SPF1 include:x -all", true, false},
		{"v=spf1", true, false},
		{"v=spf10 -all", false, false},
		{"google-site-verification=x", false, false},
		{"v=DMARC1; p=none", false, true},
		{"v = DMARC1 ; p=none", false, true},
		{"v=DMARC1", false, true},
		{"v=DMARC10; p=none", false, false},
		{"some other text", false, false},
		{" v=spf1 -all", false, false}, // RFC 7208 §4.5: at the very start
		{"\tv=spf1 -all", false, false},
		{"V=DMARC1; p=none", false, true},     // the tag name is case-insensitive
		{"V = DMARC1; p=reject", false, true}, // with spaces around =
		{"v=dmarc1; p=none", false, false},    // the value is case-sensitive
		{"v=spf1\t-all", false, false},
	} {
		if IsSPF(tt.text) != tt.spf || IsDMARC(tt.text) != tt.dmrc {
			t.Errorf("%q: IsSPF %v IsDMARC %v, want %v %v", tt.text, IsSPF(tt.text), IsDMARC(tt.text), tt.spf, tt.dmrc)
		}
	}
}
