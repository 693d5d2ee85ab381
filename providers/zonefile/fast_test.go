package zonefile

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fastCases are zone files as people and generators write them. fast says
// whether fastSets reads them itself; either way Records must give what
// miekg/dns's parser gives.
var fastCases = []struct {
	name, text string
	fast       bool
}{
	{"generated", "$ORIGIN customer00000.example.\n$TTL 3600\n@\tIN\tSOA\tns1 hostmaster (2026110100 7200 3600 1209600 300)\n\tIN\tNS\tns1\nns1\tIN\tA\t192.0.2.53\n@\t300\tIN\tA\t192.0.2.10\nwww\t300\tIN\tCNAME\t@\n@\tIN\tTXT\t\"google-site-verification=0123456789\"\n@\tIN\tMX\t10 inbound.mailgate.example.net.\n@\tIN\tTXT\t\"v=spf1 include:_spf.mailgate.example.net -all\"\nmz1._domainkey\tIN\tTXT\t\"v=DKIM1; k=rsa; p=MIIBIjANBgkq\" \"hkiG9w0BAQEFAAOC\"\n_dmarc\tIN\tTXT\t\"v=DMARC1; p=quarantine; rua=mailto:dmarc@mailgate.example.net\"\n", true},
	{"hand-written with units and comments in parentheses", "; kept by hand\n$ORIGIN contoso.com.\n$TTL 1h\n@       IN  SOA  ns1.contoso.com. hostmaster.contoso.com. (\n                 2024031502 ; serial\n                 2h         ; refresh\n                 1h         ; retry\n                 2w         ; expire\n                 5m )       ; negative caching TTL\n\n        IN  NS   ns1.contoso.com.\n        IN  NS   ns2.example.net.\n        IN  MX   10 contoso-com.mail.protection.outlook.com.\n        IN  TXT  \"v=spf1 include:spf.protection.outlook.com -all\"\nselector1._domainkey 3600 IN CNAME selector1-contoso-com._domainkey.contoso.onmicrosoft.com.\ns1._domainkey IN 300 CNAME s1.domainkey.u1234.wl.sendgrid.net.\nold._domainkey  IN  TXT  ( \"v=DKIM1; k=rsa; \"   ; split for readability\n                           \"p=MIGfMA0GCSqGSIb3DQEB\" )\n\n$ORIGIN lab.contoso.com.\nprinter     IN  A      192.0.2.99\nv6 in aaaa 2001:DB8::0:1\n", true},
	{"TTL carried from the record before", "@ 300 IN A 192.0.2.1\nwww IN A 192.0.2.2\n$TTL 60\nmail IN A 192.0.2.3\nftp 10 IN A 192.0.2.4\nx IN A 192.0.2.5\n", true},
	{"unquoted TXT words", "$TTL 300\n@ IN TXT v=spf1 -all\n", true},
	{"no TTL anywhere", "@ IN TXT \"v=spf1 -all\"\n", false},
	{"CRLF line ends", "@ IN A 192.0.2.1\r\n", false},
	{"escape in TXT", "@ IN TXT \"a\\\"b\"\n", false},
	{"CAA record", "@ IN CAA 0 issue \"letsencrypt.org\"\n@ IN A 192.0.2.1\n", false},
	{"$GENERATE", "$GENERATE 1-3 host$ A 192.0.2.$\n", false},
	{"class CH", "@ CH TXT \"x\"\n", false},
	{"UTF-8 in TXT", "@ IN TXT \"caf\u00e9\"\n", false},
	{"IPv4-mapped AAAA", "@ IN AAAA ::ffff:192.0.2.1\n", false},
}

// TestFastSetsAgreesWithMiekg reads each case both ways.
func TestFastSetsAgreesWithMiekg(t *testing.T) {
	for _, c := range fastCases {
		t.Run(c.name, func(t *testing.T) {
			fast, ok := fastSets(c.text, "contoso.com.")
			if ok != c.fast {
				t.Fatalf("fastSets ok = %v, want %v", ok, c.fast)
			}
			if ok {
				sameAsMiekg(t, c.text, fast)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "quickstart", "zones", "*.zone"))
	files = append(files, "testdata/example.com.zone", "testdata/placement.zone")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		zone := strings.TrimSuffix(filepath.Base(f), ".zone") + "."
		if fast, ok := fastSets(string(data), zone); ok {
			sameAsMiekg(t, string(data), fast)
		} else {
			t.Errorf("%s: fastSets gave up", f)
		}
	}
}

func sameAsMiekg(t *testing.T, text string, fast any) {
	t.Helper()
	rrs, err := parseRecords(text, "contoso.com.", "z")
	if err != nil {
		t.Fatalf("fastSets read what miekg/dns refuses (%v):\n%q", err, text)
	}
	if slow := toSets(rrs); !reflect.DeepEqual(fast, slow) {
		t.Fatalf("fastSets and miekg/dns differ on\n%q\nfast: %+v\nmiekg: %+v", text, fast, slow)
	}
}

// FuzzFastSets: wherever fastSets reads a text, miekg/dns reads it too, to
// the same RRsets.
func FuzzFastSets(f *testing.F) {
	for _, c := range fastCases {
		f.Add(c.text)
	}
	f.Add("@ IN SOA ns1 host ( 1 2 3 4 5 )\n")
	f.Add("a 1h2m IN A 192.0.2.1\n b IN MX 10 @\n")
	f.Add("@ IN TXT \"\" \"x\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		if fast, ok := fastSets(text, "contoso.com."); ok {
			sameAsMiekg(t, text, fast)
		}
	})
}

// TestRecordsLargeFile reads a zone file several times the read buffer,
// through Records, whole.
func TestRecordsLargeFile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("$ORIGIN big.example.\n$TTL 300\n@ IN SOA ns1 hostmaster ( 1 7200 3600 1209600 300 )\n  IN NS ns1\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "host%04d IN A 192.0.2.%d ; inventory row %d\n", i, i%250+1, i)
	}
	if b.Len() < 3*64<<10 {
		t.Fatalf("only %d bytes", b.Len())
	}
	if err := os.WriteFile(filepath.Join(dir, "big.example.zone"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sets, err := New(dir).Records(t.Context(), "big.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 5002 || sets[len(sets)-1].Name != "host4999.big.example." {
		t.Fatalf("%d sets, the last %v", len(sets), sets[len(sets)-1])
	}
}
