package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/powerdns/pdnstest"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
	"github.com/mailzone/mailzone/rrset"
)

// rec is one record as a backend stores it: its key and normalized value, to
// decide whether mailzone owns it, and its exact stored form, to compare.
type rec struct {
	name, typ, value string
	exact            string
}

// store is one seeded zone at one backend.
type store struct {
	// block is the provider block for mailzone.yaml; vars are its ${VAR}s.
	block string
	vars  map[string]string
	// records reads back every record exactly as the backend stores it.
	records func(t *testing.T) []rec
	// cf and r53 are set for the fakes, for fault injection and logs.
	cf     *fakecf.Server
	r53    *fakeroute53.Server
	r53ID  string
	server *bindtest.Server
}

// backend seeds a zone at one kind of provider.
type backend struct {
	name string
	seed func(t *testing.T, dir, zone string, seed []rrset.RRset) *store
}

func backends() []backend {
	return []backend{{"zonefile", seedZonefile}, {"cloudflare", seedCloudflare}, {"route53", seedRoute53}, {"rfc2136", seedBIND}, {"powerdns", seedPowerDNS}}
}

// zoneFileText renders seed as a zone file, one record a line, and returns the
// text.
func zoneFileText(zone string, seed []rrset.RRset) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 3600\n@\tIN\tSOA\tns1 hostmaster (2026010101 7200 3600 1209600 300)\n\tIN\tNS\tns1\nns1\tIN\tA\t192.0.2.53\n", zone)
	for _, s := range seed {
		for _, v := range s.Values {
			if s.Type == "TXT" {
				v = rrset.QuoteTXT(v)
			}
			fmt.Fprintf(&b, "%s\t%d\tIN\t%s\t%s\n", rrset.Relative(s.Name, zone), s.TTL, s.Type, v)
		}
	}
	return b.String()
}

func seedZonefile(t *testing.T, dir, zone string, seed []rrset.RRset) *store {
	path := filepath.Join(dir, "zones", zone+".zone")
	writeFile(t, path, zoneFileText(zone, seed))
	return &store{
		block: "{type: zonefile, directory: zones}",
		records: func(t *testing.T) []rec {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			zp := dns.NewZoneParser(strings.NewReader(string(data)), zone+".", path)
			var out []rec
			lines := strings.Split(string(data), "\n")
			for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
				h := rr.Header()
				if h.Rrtype == dns.TypeSOA {
					continue
				}
				typ := dns.TypeToString[h.Rrtype]
				val := strings.TrimPrefix(rr.String(), h.String())
				if typ == "TXT" {
					val = rrset.JoinTXT(val)
				}
				// The exact form is the line as written: every seeded and
				// written record is one line here.
				line := findLine(lines, zone, rr)
				out = append(out, rec{rrset.Absolute(h.Name, "."), typ, rrset.NormalizeValue(typ, val), line})
			}
			if err := zp.Err(); err != nil {
				t.Fatalf("%s does not parse: %v", path, err)
			}
			return out
		},
	}
}

// findLine returns the zone file line that holds rr, or rr itself rendered.
func findLine(lines []string, zone string, rr dns.RR) string {
	for _, l := range lines {
		if l == "" || strings.HasPrefix(l, "$") || strings.HasPrefix(l, ";") || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, " ") {
			continue
		}
		zp := dns.NewZoneParser(strings.NewReader("$TTL 3600\n"+l+"\n"), zone+".", "")
		o, ok := zp.Next()
		if ok && dns.IsDuplicate(o, rr) && o.Header().Ttl == rr.Header().Ttl {
			return l
		}
	}
	return rr.String()
}

func seedCloudflare(t *testing.T, dir, zone string, seed []rrset.RRset) *store {
	cf := fakecf.New(t)
	cf.AddZone(zone)
	for _, s := range seed {
		for _, v := range s.Values {
			r := fakecf.Record{Name: strings.TrimSuffix(s.Name, "."), Type: s.Type, Content: v, TTL: int(s.TTL)}
			switch s.Type {
			case "MX":
				var pref uint16
				var host string
				fmt.Sscan(v, &pref, &host)
				r.Priority, r.Content = &pref, strings.TrimSuffix(host, ".")
			case "CNAME":
				r.Content = strings.TrimSuffix(v, ".")
			}
			cf.AddRecord(zone, r)
		}
	}
	return &store{
		block: fmt.Sprintf("{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q}", cf.URL()),
		vars:  map[string]string{"CF_TOKEN": fakecf.Token},
		cf:    cf,
		records: func(t *testing.T) []rec {
			var out []rec
			for _, r := range cf.Records(zone) {
				prio := ""
				if r.Priority != nil {
					prio = fmt.Sprint(*r.Priority)
				}
				var v string
				switch r.Type {
				case "TXT":
					v = rrset.JoinTXT(r.Content)
				case "MX":
					v = rrset.NormalizeValue("MX", prio+" "+r.Content)
				default:
					v = rrset.NormalizeValue(r.Type, r.Content)
				}
				out = append(out, rec{rrset.Absolute(r.Name+".", "."), r.Type, v,
					fmt.Sprintf("%s %s ttl=%d prio=%s proxied=%v %s", r.Name, r.Type, r.TTL, prio, r.Proxied, r.Content)})
			}
			return out
		},
	}
}

// awsEnv isolates the AWS SDK of an in-process run from the machine's
// configuration; the binary gets the same from baseEnv.
func awsEnv(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL_ROUTE_53": ""} {
		t.Setenv(k, v)
	}
}

// awsSecret is the secret access key the Route 53 stores are given.
const awsSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"

func seedRoute53(t *testing.T, dir, zone string, seed []rrset.RRset) *store {
	awsEnv(t)
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
	return &store{
		block: fmt.Sprintf("{type: route53, region: us-east-1, access_key_id: \"${AWS_KEY}\", secret_access_key: \"${AWS_SECRET}\", endpoint: %q}", r53.URL()),
		vars:  map[string]string{"AWS_KEY": "AKIDEXAMPLE", "AWS_SECRET": awsSecret},
		r53:   r53, r53ID: id,
		records: func(t *testing.T) []rec {
			var out []rec
			for _, s := range r53.Zone(id) {
				if s.Type == "SOA" {
					continue
				}
				for _, v := range s.Values {
					lv := v
					if s.Type == "TXT" {
						lv = rrset.JoinTXT(v)
					}
					out = append(out, rec{s.Name, s.Type, rrset.NormalizeValue(s.Type, lv), fmt.Sprintf("%s %s %d %s", s.Name, s.Type, s.TTL, v)})
				}
			}
			return out
		},
	}
}

func seedBIND(t *testing.T, dir, zone string, seed []rrset.RRset) *store {
	bindtest.Require(t)
	s := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed})
	return &store{
		block:  fmt.Sprintf("{type: rfc2136, server: %q, key_name: %q, key_algorithm: %q, key: \"${TSIG_SECRET}\"}", s.Addr, s.Key.Name, s.Key.Algorithm),
		vars:   map[string]string{"TSIG_SECRET": s.Key.Secret},
		server: s,
		records: func(t *testing.T) []rec {
			return axfr(t, s)
		},
	}
}

// axfr transfers the zone from a BIND server with its TSIG key and returns every
// record but the SOA, each exactly as BIND serves it.
func axfr(t *testing.T, s *bindtest.Server) []rec {
	t.Helper()
	keyName := dns.Fqdn(s.Key.Name)
	tr := &dns.Transfer{TsigSecret: map[string]string{keyName: s.Key.Secret}, ReadTimeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetAxfr(s.Zone)
	m.SetTsig(keyName, bindtest.TSIGAlgorithm(s.Key.Algorithm), 300, time.Now().Unix())
	ch, err := tr.In(m, s.Addr)
	if err != nil {
		t.Fatalf("axfr %s: %v", s.Zone, err)
	}
	var out []rec
	for env := range ch {
		if env.Error != nil {
			t.Fatalf("axfr %s: %v", s.Zone, env.Error)
		}
		for _, rr := range env.RR {
			h := rr.Header()
			if h.Rrtype == dns.TypeSOA {
				continue
			}
			typ := dns.TypeToString[h.Rrtype]
			val := strings.TrimPrefix(rr.String(), h.String())
			if typ == "TXT" {
				val = rrset.JoinTXT(val)
			}
			out = append(out, rec{strings.ToLower(h.Name), typ, rrset.NormalizeValue(typ, val), rr.String()})
		}
	}
	return out
}

// exacts returns the exact forms of recs, sorted, for comparing.
func exacts(recs []rec) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.exact)
	}
	sort.Strings(out)
	return out
}

func seedPowerDNS(t *testing.T, dir, zone string, seed []rrset.RRset) *store {
	s := pdnstest.Start(t)
	s.Zone(t, zone, seed)
	return &store{
		block: s.Block(),
		vars:  map[string]string{"PDNS_API_KEY": pdnstest.APIKey},
		records: func(t *testing.T) []rec {
			var out []rec
			for _, r := range s.Records(t, zone) {
				if r.Type == "SOA" {
					continue
				}
				val := r.Content
				if r.Type == "TXT" {
					val = rrset.JoinTXT(val)
				}
				out = append(out, rec{strings.ToLower(r.Name), r.Type, rrset.NormalizeValue(r.Type, val), fmt.Sprintf("%s %d %s %s disabled=%v", r.Name, r.TTL, r.Type, r.Content, r.Disabled)})
			}
			return out
		},
	}
}
