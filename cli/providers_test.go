package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/powerdns/pdnstest"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// backend is one provider under the end-to-end test: a config block for it, a
// way to seed records, and a way to read everything back around mailzone.
type backend struct {
	name  string
	setup func(t *testing.T, zone string, seed []rrset.RRset) (block string, vars map[string]string)
}

const e2eZone = "customer.example"

// e2eSeed is the zone before mailzone: old mail records and records mailzone
// does not own.
func e2eSeed() []rrset.RRset {
	z := e2eZone
	return merged(append(providertest.Unmanaged(z),
		rrset.New(z, "@", "MX", 3600, "10 mx1.old.example.", "20 mx2.old.example."),
		rrset.New(z, "@", "TXT", 3600, "v=spf1 include:_spf.old.example ~all"),
		rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"),
		rrset.New(z, "gone._domainkey", "TXT", 3600, "v=DKIM1; p=MIGfMA0GCSq"),
	))
}

// merged joins sets that share a name and type, as a zone holds them.
func merged(sets []rrset.RRset) []rrset.RRset {
	var out []rrset.RRset
	for _, s := range rrset.Index(sets) {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key().String() < out[j].Key().String() })
	return out
}

func backends() []backend {
	return []backend{
		{"cloudflare", func(t *testing.T, zone string, seed []rrset.RRset) (string, map[string]string) {
			cf := fakecf.New(t)
			cf.AddZone(zone)
			for _, s := range seed {
				for _, v := range s.Values {
					r := fakecf.Record{Name: strings.TrimSuffix(s.Name, "."), Type: s.Type, Content: v, TTL: int(s.TTL)}
					if s.Type == "MX" {
						var pref uint16
						var host string
						fmt.Sscan(v, &pref, &host)
						r.Priority, r.Content = &pref, strings.TrimSuffix(host, ".")
					}
					if s.Type == "CNAME" {
						r.Content = strings.TrimSuffix(v, ".")
					}
					cf.AddRecord(zone, r)
				}
			}
			return fmt.Sprintf("{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q}", cf.URL()),
				map[string]string{"CF_TOKEN": fakecf.Token}
		}},
		{"route53", func(t *testing.T, zone string, seed []rrset.RRset) (string, map[string]string) {
			dir := t.TempDir()
			for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
				"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""} {
				t.Setenv(k, v)
			}
			r53 := fakeroute53.Start(t)
			id := r53.AddZone(zone)
			for _, s := range seed {
				vals := make([]string, len(s.Values))
				for i, v := range s.Values {
					vals[i] = v
					if s.Type == "TXT" {
						vals[i] = rrset.QuoteTXT(v)
					}
				}
				r53.SetRRset(id, s.Name, s.Type, int64(s.TTL), vals...)
			}
			return fmt.Sprintf("{type: route53, region: us-east-1, access_key_id: \"${AWS_KEY}\", secret_access_key: \"${AWS_SECRET}\", endpoint: %q}", r53.URL()),
				map[string]string{"AWS_KEY": "AKIDEXAMPLE", "AWS_SECRET": "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"}
		}},
		{"rfc2136", func(t *testing.T, zone string, seed []rrset.RRset) (string, map[string]string) {
			s := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed})
			return fmt.Sprintf("{type: rfc2136, server: %q, key_name: %q, key_algorithm: %q, key: \"${TSIG_SECRET}\"}", s.Addr, s.Key.Name, s.Key.Algorithm),
				map[string]string{"TSIG_SECRET": s.Key.Secret, "NAMESERVER": s.Addr}
		}},
		{"powerdns", func(t *testing.T, zone string, seed []rrset.RRset) (string, map[string]string) {
			s := pdnstest.Start(t)
			s.Zone(t, zone, seed)
			return s.Block(), map[string]string{"PDNS_API_KEY": pdnstest.APIKey, "NAMESERVER": s.DNS}
		}},
	}
}

// TestProvidersEndToEnd runs the command line against every provider: plan
// shows the changes, apply writes them, a second plan shows none, and the
// records mailzone does not own are exactly as they were.
func TestProvidersEndToEnd(t *testing.T) {
	k2048, _ := providertest.Keys()
	key := strings.TrimPrefix(k2048, "v=DKIM1; k=rsa; p=")
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			block, vars := b.setup(t, e2eZone, e2eSeed())
			dir := t.TempDir()
			cfg := filepath.Join(dir, "mailzone.yaml")
			os.WriteFile(cfg, []byte(fmt.Sprintf(`version: 1
providers:
  dns: %s
domains:
  customer.example:
    provider: dns
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
    dkim:
      mz1: {public_key: %q}
    dmarc: {policy: reject, rua: ["mailto:d@customer.example"]}
`, block, key)), 0o644)

			r := mz(t, vars, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode")
			if r.code != 2 || !strings.Contains(r.stdout, "Plan: 1 to add, 3 to change, 0 to delete.") {
				t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "gone._domainkey.customer.example. TXT") {
				t.Errorf("undeclared selector not listed:\n%s", r.stdout)
			}
			before := snapshot(t, vars, cfg)
			verifyArgs := []string{"--no-verify"}
			if ns := vars["NAMESERVER"]; ns != "" {
				// BIND serves what it was sent at once: verify against it for real.
				verifyArgs = []string{"--nameserver", ns, "--verify-timeout", "20s"}
			}
			r = mz(t, vars, "", append([]string{"apply", "--offline", "-c", cfg, "--yes"}, verifyArgs...)...)
			if r.code != 0 {
				t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := mz(t, vars, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
				t.Fatalf("plan after apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			after := snapshot(t, vars, cfg)
			for _, s := range providertest.Unmanaged(e2eZone) {
				for _, v := range s.Values {
					line := s.Name + " " + s.Type + " " + v
					if !before[line] || !after[line] {
						t.Errorf("unmanaged %q: before %v, after %v", line, before[line], after[line])
					}
				}
			}
			if !after[e2eZone+". TXT v=spf1 include:_spf.mailgate.example.net -all"] || after[e2eZone+". TXT v=spf1 include:_spf.old.example ~all"] {
				t.Errorf("SPF not replaced: %v", keys(after))
			}
			if !after["gone._domainkey."+e2eZone+". TXT v=DKIM1; p=MIGfMA0GCSq"] {
				t.Error("undeclared DKIM selector was touched")
			}
			if vars["NAMESERVER"] != "" && !strings.Contains(r.stdout, "Verified: all 1 nameserver addresses serve every record of customer.example") {
				t.Errorf("apply did not report verification:\n%s", r.stdout)
			}
			for k, secret := range vars {
				if k != "NAMESERVER" && strings.Contains(r.stdout+r.stderr, secret) {
					t.Error("a secret appeared in the output")
				}
			}
		})
	}
}

// snapshot reads the zone through the same provider configuration, as a set of
// "name TYPE value" lines.
func snapshot(t *testing.T, vars map[string]string, cfgPath string) map[string]bool {
	t.Helper()
	data, err := schema.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := schema.Parse(cfgPath, data, func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	pc := cfg.Providers[0]
	p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := p.Records(t.Context(), e2eZone)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range sets {
		for _, v := range s.Values {
			out[s.Name+" "+s.Type+" "+v] = true
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
