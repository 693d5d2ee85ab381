package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/schema"
)

// today is the date onboard and rotate write as created.
var today = time.Now().Format("2006-01-02")

// fleetYAML is a 50-domain configuration as an MSP's repository holds one:
// comments, block and flow styles, an anchor and its aliases, Microsoft 365,
// SendGrid and SES selectors, an Ed25519 key, {host, preference} MX.
func fleetYAML(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`# Fleet of the Porto office. Reviewed by #mail-ops.
version: 1
providers:
  files: {type: zonefile, directory: zones}   # the zone repository
defaults:
  provider: files
  resolver: "127.0.0.1:1"   # nothing listens: delegation is not checked
profiles:
  standard:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com], all: fail}
    dmarc: &strict {policy: reject, rua: ["mailto:dmarc@mailgate.example.net"]}

domains:
`)
	for i := 1; i <= 50; i++ {
		name := fleetName(i)
		switch i % 5 {
		case 1:
			fmt.Fprintf(&b, "  # customer %d: Microsoft 365, signs with the gateway's Ed25519 key too\n", i)
			fmt.Fprintf(&b, "  %s:   # contract 2026-%03d\n    profile: standard\n    dkim:\n", name, i)
			fmt.Fprintf(&b, "      selector1: {cname: selector1-%s._domainkey.%s.onmicrosoft.com}\n", strings.ReplaceAll(name, ".", "-"), strings.Split(name, ".")[0])
			fmt.Fprintf(&b, "      mzed: {public_key: %q}\n\n", base64.StdEncoding.EncodeToString(pub))
		case 2:
			fmt.Fprintf(&b, "  %s: {profile: standard, dkim: {s1: {cname: s1.domainkey.u%d.wl.sendgrid.net}}}   # SendGrid\n", name, 1000+i)
		case 3:
			fmt.Fprintf(&b, "  %s:\n    profile: standard\n    dmarc: *strict\n", name)
		case 4:
			fmt.Fprintf(&b, "  %s: {profile: standard}\n", name)
		case 0:
			fmt.Fprintf(&b, "  %s:\n    profile: standard\n    mx: {host: inbound2.mailgate.example.net, preference: 10}\n    dkim: {4ppcxcqw5hf2irmxp6ikcs6vzcvy3pm%d: {cname: 4ppcxcqw5hf2irmxp6ikcs6vzcvy3pm%d.dkim.amazonses.com}}\n", name, i%10, i%10)
		}
	}
	b.WriteString("  # waitlist: northwind-traders.com, contoso-pharma.com\n\n# end of domains\n")
	return b.String()
}

func fleetName(i int) string {
	names := []string{"contoso", "fabrikam", "northwind", "adventure-works", "tailspin", "wingtip", "litware", "proseware", "woodgrove", "fourthcoffee"}
	tlds := []string{"com", "co.uk", "de", "com.br", "nl"}
	return fmt.Sprintf("%s%d.%s", names[i%len(names)], i, tlds[i%len(tlds)])
}

func fleetSetup(t *testing.T) (cfg, src string) {
	t.Helper()
	dir := t.TempDir()
	src = fleetYAML(t)
	cfg = filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte(src), 0o644)
	os.Mkdir(filepath.Join(dir, "zones"), 0o755)
	for i := 1; i <= 51; i++ {
		z := fleetName(i)
		os.WriteFile(filepath.Join(dir, "zones", z+".zone"), []byte("$ORIGIN "+z+".\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"), 0o644)
	}
	return cfg, src
}

// insertedOnly checks that after is before with one run of text inserted,
// and returns that text.
func insertedOnly(t *testing.T, before, after string) string {
	t.Helper()
	p := 0
	for p < len(before) && p < len(after) && before[p] == after[p] {
		p++
	}
	s := 0
	for s < len(before)-p && s < len(after)-p && before[len(before)-1-s] == after[len(after)-1-s] {
		s++
	}
	if p+s != len(before) {
		t.Fatalf("the edit changed text that was there:\n--- before\n%s\n--- after\n%s", before[p:len(before)-s], after[p:len(after)-s])
	}
	return after[p : len(after)-s]
}

// resolvedRecords is what a domain publishes, without positions.
func resolvedRecords(d *schema.Domain) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\n", d.Provider, d.Zone, d.Profile)
	for _, r := range d.Records() {
		fmt.Fprintf(&b, "%s %v\n", r.Field, r.Set)
	}
	return b.String()
}

func TestRotateFleetFile(t *testing.T) {
	for _, tt := range []struct {
		where, domain string
		alg           string // the algorithm rotate picks by default
	}{
		{"first, block style, Ed25519 newest key", fleetName(1), "ed25519"},
		{"middle, flow style", fleetName(22), "rsa"},
		{"middle, dmarc alias", fleetName(23), "rsa"},
		{"middle, flow with no dkim", fleetName(24), "rsa"},
		{"middle, flow dkim in block domain", fleetName(25), "rsa"},
		{"near the end, flow style", fleetName(49), "rsa"},
		{"last domain of the file", fleetName(50), "rsa"},
	} {
		t.Run(tt.where, func(t *testing.T) {
			cfg, src := fleetSetup(t)
			before, err := schema.Load(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := mz(t, nil, "", "dkim", "rotate", tt.domain, "--selector", "mz202612", "-c", cfg)
			if r.code != 0 {
				t.Fatalf("rotate %s: exit %d\n%s%s", tt.domain, r.code, r.stdout, r.stderr)
			}
			data, _ := os.ReadFile(cfg)
			ins := insertedOnly(t, src, string(data))
			if !strings.Contains(ins, "mz202612: {key_file: keys/"+tt.domain+"/mz202612.pub.pem, created: "+today+"}") {
				t.Errorf("inserted %q", ins)
			}
			after, err := schema.Load(cfg)
			if err != nil {
				t.Fatalf("edited file does not load: %v", err)
			}
			for _, d := range before.Domains {
				if d.Name == tt.domain {
					continue
				}
				if a, b := resolvedRecords(d), resolvedRecords(after.Domain(d.Name)); a != b {
					t.Errorf("%s changed:\n%s\n%s", d.Name, a, b)
				}
			}
			var found bool
			for _, s := range after.Domain(tt.domain).DKIM {
				if s.Name == "mz202612" {
					found = true
					if s.Algorithm != tt.alg {
						t.Errorf("new key is %s, want %s", s.Algorithm, tt.alg)
					}
				}
			}
			if !found {
				t.Errorf("selector not declared after rotate")
			}
			if n := len(after.Domain(tt.domain).DKIM) - len(before.Domain(tt.domain).DKIM); n != 1 {
				t.Errorf("%d selectors added", n)
			}
		})
	}
}

func TestOnboardFleetFile(t *testing.T) {
	cfg, src := fleetSetup(t)
	r := mz(t, nil, "", "onboard", fleetName(51), "--profile", "standard", "--dkim-selector", "mz202612", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("onboard: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(cfg)
	ins := insertedOnly(t, src, string(data))
	want := "  " + fleetName(51) + ":\n    profile: standard\n    dkim:\n      mz202612: {key_file: keys/" + fleetName(51) + "/mz202612.pub.pem, created: " + today + "}\n"
	if ins != want {
		t.Errorf("inserted\n%q\nwant\n%q", ins, want)
	}
}

// TestRotateSharedDKIMRefused: a dkim mapping shared through an anchor cannot
// take a selector for one domain; rotate says so and writes nothing.
func TestRotateSharedDKIMRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	src := `version: 1
providers: {files: {type: zonefile, directory: .}}
defaults: {provider: files}
domains:
  contoso.com:
    mx: contoso-com.mail.protection.outlook.com
    dkim: &m365
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
  fabrikam.com:
    mx: fabrikam-com.mail.protection.outlook.com
    dkim: *m365
`
	os.WriteFile(cfg, []byte(src), 0o644)
	for _, tt := range []struct{ domain, want string }{
		{"fabrikam.com", "is the alias *m365"},
		{"contoso.com", "is the anchor &m365"},
	} {
		r := mz(t, nil, "", "dkim", "rotate", tt.domain, "--selector", "mz202612", "-c", cfg)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d\n%s", tt.domain, r.code, r.stderr)
		}
	}
	if data, _ := os.ReadFile(cfg); string(data) != src {
		t.Error("a refused rotate changed the file")
	}
	if _, err := os.Stat(filepath.Join(dir, "keys")); err == nil {
		t.Error("a refused rotate left keys behind")
	}
}
