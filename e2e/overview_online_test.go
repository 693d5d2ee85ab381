package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/rrset"
)

// TestOverviewOnline checks the report's DNS-backed columns against a real
// BIND server: the SPF lookup count of a tree with two includes, and the
// state of a DKIM key the server publishes and of one it does not.
func TestOverviewOnline(t *testing.T) {
	bindtest.Require(t)
	dir := t.TempDir()
	writePublicKey(t, filepath.Join(dir, "keys", "mz202612.pub.pem"))
	pem, _ := os.ReadFile(filepath.Join(dir, "keys", "mz202612.pub.pem"))
	key, problems := dkim.LoadKeyFile(pem)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	writePublicKey(t, filepath.Join(dir, "keys", "mz202701.pub.pem"))
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: "contoso.com", Records: []rrset.RRset{
		rrset.New("contoso.com", "@", "MX", 3600, "10 inbound.mailgate.contoso.com."),
		rrset.New("contoso.com", "_spf", "TXT", 3600, "v=spf1 include:_spf2.contoso.com ip4:192.0.2.0/24 -all"),
		rrset.New("contoso.com", "_spf2", "TXT", 3600, "v=spf1 ip4:198.51.100.0/24 -all"),
		rrset.New("contoso.com", "mz202612._domainkey", "TXT", 3600, key.Record()),
	}})
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults:
  provider: files
  resolver: %q                  # the zone's own server answers the lookups
  verify: {nameservers: [%q]}
domains:
  contoso.com:
    mx: inbound.mailgate.contoso.com
    spf: {include: [_spf.contoso.com], all: fail}
    dkim:
      mz202612: {key_file: keys/mz202612.pub.pem, created: 2026-12-01}
      mz202701: {key_file: keys/mz202701.pub.pem}
    dmarc: {policy: none}
`, primary.Addr, primary.Addr))
	r := runRaw(t, dir, nil, "report", "--format", "json")
	var doc struct {
		Domains []struct {
			SPFLookups *int `json:"spf_lookups"`
			DKIM       []struct{ Name, State string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Domains) != 1 {
		t.Fatalf("report: %v\n%s", err, r)
	}
	d := doc.Domains[0]
	if d.SPFLookups == nil || *d.SPFLookups != 2 {
		t.Errorf("SPF lookups %v, want 2 (include:_spf, then include:_spf2)\n%s", d.SPFLookups, r)
	}
	states := map[string]string{}
	for _, s := range d.DKIM {
		states[s.Name] = s.State
	}
	// Served everywhere but just now seen: propagating until the negative
	// TTL has passed; the other key is not served: pending.
	if states["mz202612"] != "propagating" || states["mz202701"] != "pending" {
		t.Errorf("DKIM states %v\n%s", states, r)
	}
}
