package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// fleetConfig writes a configuration of n domains on one provider block and
// returns its path and the parsed domains.
func fleetConfig(t *testing.T, n int, block string) (string, []*schema.Domain) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
providers:
  dns: %s
defaults: {provider: dns, ttl: 3600}
profiles:
  standard:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
    dmarc: {policy: quarantine, rua: ["mailto:dmarc@mailgate.example.net"]}
domains:
`, block)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  c%04d.example: {profile: standard, dkim: {mz1: {revoked: true}}}\n", i)
	}
	path := filepath.Join(t.TempDir(), "mailzone.yaml")
	os.WriteFile(path, []byte(b.String()), 0o644)
	cfg, err := schema.Parse(path, []byte(b.String()), func(string) (string, bool) { return "x", true })
	if err != nil {
		t.Fatal(err)
	}
	return path, cfg.Domains
}

// fleetState returns the records a domain's zone holds: what the configuration
// wants (current) or old mail records (stale), plus a verification token.
func fleetState(d *schema.Domain, current bool) []rrset.RRset {
	z := d.Name
	out := []rrset.RRset{rrset.New(z, "@", "A", 300, "192.0.2.10")}
	if !current {
		return append(out,
			rrset.New(z, "@", "MX", 3600, "10 mx1.old.example.", "20 mx2.old.example."),
			rrset.New(z, "@", "TXT", 3600, "v=spf1 include:_spf.old.example ~all", "verify=1"),
			rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"))
	}
	for _, r := range d.Records() {
		if r.Set.Empty() {
			continue
		}
		s := r.Set
		if r.Field == "spf" {
			s = rrset.New(".", s.Name, s.Type, s.TTL, append(s.Values, "verify=1")...)
		}
		out = append(out, s)
	}
	return out
}

// TestRequestsAtTheFloor counts requests per run over a fleet: a plan reads each
// zone once and finds zone ids by listing the account's zones by page, a no-op
// plan writes nothing, and an apply writes each changed zone with the fewest
// requests the API allows.
func TestRequestsAtTheFloor(t *testing.T) {
	const n = 120 // half current, half with old records
	t.Run("cloudflare", func(t *testing.T) {
		cf := fakecf.New(t)
		path, ds := fleetConfig(t, n, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"1000\"}", cf.URL()))
		for i, d := range ds {
			cf.AddZone(d.Name)
			for _, s := range fleetState(d, i%2 == 0) {
				for _, v := range s.Values {
					r := fakecf.Record{Name: strings.TrimSuffix(s.Name, "."), Type: s.Type, Content: v, TTL: int(s.TTL)}
					if s.Type == "MX" {
						var pref uint16
						var host string
						fmt.Sscan(v, &pref, &host)
						r.Priority, r.Content = &pref, strings.TrimSuffix(host, ".")
					}
					cf.AddRecord(d.Name, r)
				}
			}
		}
		vars := map[string]string{"T": fakecf.Token}
		cf.ResetLog()
		if r := mz(t, vars, "", "plan", "--offline", "-c", path); r.code != 0 {
			t.Fatalf("plan: %d %s", r.code, r.stderr)
		}
		zonePages, listings := 0, 0
		for _, q := range cf.Log() {
			switch {
			case q.Method == http.MethodGet && q.Path == "/zones":
				zonePages++
			case q.Method == http.MethodGet && strings.HasSuffix(q.Path, "/dns_records"):
				listings++
			}
		}
		if zonePages != 3 || listings != n || len(cf.Writes()) != 0 {
			t.Errorf("plan of %d zones: %d zone-list pages (want 3), %d record listings (want %d), %d writes (want 0)\n%v",
				n, zonePages, listings, n, len(cf.Writes()), cf.Log()[:3])
		}
		t.Logf("cloudflare plan: %d requests for %d zones (%.2f per zone)", len(cf.Log()), n, float64(len(cf.Log()))/n)
		cf.ResetLog()
		if r := mz(t, vars, "", "apply", "--offline", "--no-verify", "-c", path, "--yes", "--allow-mass-change"); r.code != 0 {
			t.Fatalf("apply: %d %s", r.code, r.stderr)
		}
		// per changed zone: MX 2→1 is one PATCH and one DELETE, SPF one PATCH,
		// DMARC one PATCH, the revoked DKIM selector one POST.
		writes := len(cf.Writes())
		if writes != n/2*5 {
			t.Errorf("apply wrote %d requests, want %d (5 per changed zone)", writes, n/2*5)
		}
		t.Logf("cloudflare apply: %d requests (%d writes) for %d changed zones", len(cf.Log()), writes, n/2)
		cf.ResetLog()
		if r := mz(t, vars, "", "plan", "--offline", "-c", path, "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan after apply: %d %s", r.code, r.stdout)
		}
	})
	t.Run("route53", func(t *testing.T) {
		dir := t.TempDir()
		for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "c"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "k"),
			"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": ""} {
			t.Setenv(k, v)
		}
		r53 := fakeroute53.Start(t)
		path, ds := fleetConfig(t, n, fmt.Sprintf("{type: route53, region: us-east-1, access_key_id: \"${K}\", secret_access_key: \"${S}\", endpoint: %q, rate: \"1000\"}", r53.URL()))
		for i, d := range ds {
			id := r53.AddZone(d.Name)
			for _, s := range fleetState(d, i%2 == 0) {
				vals := append([]string(nil), s.Values...)
				for j := range vals {
					if s.Type == "TXT" {
						vals[j] = rrset.QuoteTXT(vals[j])
					}
				}
				r53.SetRRset(id, s.Name, s.Type, int64(s.TTL), vals...)
			}
		}
		vars := map[string]string{"K": "AKIDEXAMPLE", "S": "secretsecretsecret"}
		r53.ResetLog()
		if r := mz(t, vars, "", "plan", "--offline", "-c", path); r.code != 0 {
			t.Fatalf("plan: %d %s", r.code, r.stderr)
		}
		byName, lists, changes := r53.Count("ListHostedZonesByName"), r53.Count("ListResourceRecordSets"), r53.Count("ChangeResourceRecordSets")
		if byName != 2 || lists != n || changes != 0 {
			t.Errorf("plan of %d zones: %d zone-list pages (want 2), %d record listings (want %d), %d changes (want 0)", n, byName, lists, n, changes)
		}
		t.Logf("route53 plan: %d requests for %d zones", len(r53.Requests()), n)
		r53.ResetLog()
		if r := mz(t, vars, "", "apply", "--offline", "--no-verify", "-c", path, "--yes", "--allow-mass-change"); r.code != 0 {
			t.Fatalf("apply: %d %s", r.code, r.stderr)
		}
		if c := r53.Count("ChangeResourceRecordSets"); c != n/2 {
			t.Errorf("apply sent %d change batches, want %d (one per changed zone)", c, n/2)
		}
		t.Logf("route53 apply: %d requests, %d change batches for %d changed zones", len(r53.Requests()), r53.Count("ChangeResourceRecordSets"), n/2)
		if r := mz(t, vars, "", "plan", "--offline", "-c", path, "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan after apply: %d %s", r.code, r.stdout)
		}
	})
}

// TestZoneDiscoveryChoosesTheCheaperWay: listing the account's zones pays off
// for a fleet, not for three domains in an account of 600 zones.
func TestZoneDiscoveryChoosesTheCheaperWay(t *testing.T) {
	cf := fakecf.New(t)
	path, ds := fleetConfig(t, 3, fmt.Sprintf("{type: cloudflare, api_token: \"${T}\", endpoint: %q, rate: \"1000\"}", cf.URL()))
	for i := 0; i < 600; i++ {
		cf.AddZone(fmt.Sprintf("a-other%04d.example", i)) // listed before the fleet's zones, by name
	}
	for _, d := range ds {
		cf.AddZone(d.Name)
	}
	if r := mz(t, map[string]string{"T": fakecf.Token}, "", "plan", "--offline", "-c", path); r.code != 0 {
		t.Fatalf("plan: %d %s", r.code, r.stderr)
	}
	pages, lookups := 0, 0
	for _, q := range cf.Log() {
		if q.Path == "/zones" {
			if q.Query.Get("name") != "" {
				lookups++
			} else {
				pages++
			}
		}
	}
	// one page tells there are 13; three lookups are cheaper than twelve more pages
	if pages != 1 || lookups != 3 {
		t.Errorf("zone discovery: %d list pages and %d lookups, want 1 and 3", pages, lookups)
	}
}
