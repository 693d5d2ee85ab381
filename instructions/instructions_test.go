package instructions

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// rsaKey is a real 2048-bit RSA public key (openssl genrsa 2048, the
// SubjectPublicKeyInfo in base64) as a DKIM record: 410 characters of TXT,
// over one 255-byte string.
const rsaKey = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmYueHjSwtdk6tf4Lc8OS+A5RxlXG2lkND/WL/rtDQl54Dx1mF16qXrRTnomz03dhbxngGRBSreFf/eM9pTKcKVrVnsVo41Bo12mOQtUxnPxy4kKi6YuV+AjlcTACb4eX7/TlgyHiL4P2prCZhNsLS6PX8RfVIR6mzOfHNqcaDdV4PgM83C8Bw+WEfdPH5DiAxvsAoNzrwN7ZlzAkJcPTvVXKw8xSUDfIbYg+Em6vDVaYBj1QNxbXMHe1/3AHAD1DJZPt3eahsxoroI71pR4nbsobXZYdchQ+eqaeTJ4d19Hh1ZQOsQMoxKEtTHv1iazAL5ji7JWMg/FYVa2s+DAMgQIDAQAB"

func set(name, typ string, ttl uint32, values ...string) rrset.RRset {
	return rrset.New(".", name, typ, ttl, values...)
}

func change(domain, field string, old, new, keep rrset.RRset, shared bool) plan.Change {
	e := rrset.Edit{Old: old, New: new, Keep: keep}
	return plan.Change{Domain: domain, Field: field, Action: e.Kind(), Edit: e, SharedTTL: shared}
}

// customerZones are what a new MSP customer's admin is asked to do: a
// Microsoft 365 customer moving its MX and SPF to the MSP, with a site
// verification TXT beside the SPF record at a different TTL, a self-hosted
// selector with a 2048-bit key, an old DMARC record to replace and an old
// selector to delete; and a second customer with a TTL-only change and
// values another admin wrote, hostile to every sink.
func customerZones() []*plan.Zone {
	contoso := &plan.Zone{Zone: "contoso.com", Provider: "customer-dns", Domains: []string{"contoso.com"}, Changes: []plan.Change{
		change("contoso.com", "mx",
			set("contoso.com.", "MX", 3600, "0 contoso-com.mail.protection.outlook.com."),
			set("contoso.com.", "MX", 3600, "10 inbound.mailgate.example.net."), rrset.RRset{}, false),
		change("contoso.com", "spf",
			set("contoso.com.", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com -all"),
			set("contoso.com.", "TXT", 300, "v=spf1 include:_spf.mailgate.example.net include:spf.protection.outlook.com -all"),
			set("contoso.com.", "TXT", 3600, "MS=ms48217713"), true),
		change("contoso.com", "dkim.selector1", rrset.RRset{},
			set("selector1._domainkey.contoso.com.", "CNAME", 3600, "selector1-contoso-com._domainkey.contoso.onmicrosoft.com."), rrset.RRset{}, false),
		change("contoso.com", "dkim.mz2026", rrset.RRset{},
			set("mz2026._domainkey.contoso.com.", "TXT", 3600, rsaKey), rrset.RRset{}, false),
		change("contoso.com", "dkim.old", set("old._domainkey.contoso.com.", "TXT", 3600, "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"), rrset.RRset{}, rrset.RRset{}, false),
		change("contoso.com", "dmarc",
			set("_dmarc.contoso.com.", "TXT", 3600, "v=DMARC1; p=none"),
			set("_dmarc.contoso.com.", "TXT", 3600, "v=DMARC1; p=none; rua=mailto:dmarc-reports@mailgate.example.net"), rrset.RRset{}, false),
	}}
	fabrikam := &plan.Zone{Zone: "fabrikam.co.uk", Provider: "customer-dns", Domains: []string{"fabrikam.co.uk"}, Changes: []plan.Change{
		change("fabrikam.co.uk", "spf",
			set("fabrikam.co.uk.", "TXT", 86400, "v=spf1 include:sendgrid.net -all"),
			set("fabrikam.co.uk.", "TXT", 3600, "v=spf1 include:sendgrid.net -all"), rrset.RRset{}, false),
		change("fabrikam.co.uk", "dkim.s1", rrset.RRset{},
			set("s1._domainkey.fabrikam.co.uk.", "CNAME", 3600, "s1.domainkey.u1234.wl.sendgrid.net."), rrset.RRset{}, false),
		change("fabrikam.co.uk", "dmarc",
			set("_dmarc.fabrikam.co.uk.", "TXT", 3600, "v=DMARC1; p=none\n::error::pwned `` ``` <!-- mailzone-plan --> <img src=x> @fabrikam/admins | x"),
			set("_dmarc.fabrikam.co.uk.", "TXT", 3600, "v=DMARC1; p=quarantine"), rrset.RRset{}, false),
	}}
	return []*plan.Zone{contoso, fabrikam}
}

func TestRenderGolden(t *testing.T) {
	zones := customerZones()
	for _, c := range []struct {
		file   string
		render func(*bytes.Buffer) error
	}{
		{"customers.txt", func(b *bytes.Buffer) error { return Text(b, zones) }},
		{"customers.md", func(b *bytes.Buffer) error { return Markdown(b, zones) }},
	} {
		t.Run(c.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, c.file, b.String())
		})
	}
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./instructions -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./instructions -update, then review the diff):\n%s", file, got)
	}
}

// TestStepsAreComplete checks that carrying out the steps on the zone as
// observed gives exactly what the plan wants, records mailzone does not
// own included: the instructions leave nothing out and add nothing.
func TestStepsAreComplete(t *testing.T) {
	for _, z := range customerZones() {
		// The zone as observed: owned and kept values, per name and type.
		zone := map[rrset.Key]map[string]uint32{}
		for _, c := range z.Changes {
			m := map[string]uint32{}
			for _, v := range c.Old.Values {
				m[v] = c.Old.TTL
			}
			for _, v := range c.Keep.Values {
				m[v] = c.Keep.TTL
			}
			zone[c.Key()] = m
		}
		for _, s := range Steps(z) {
			m := zone[rrset.Key{Name: s.Name, Type: s.Type}]
			switch s.Action {
			case Add:
				if _, ok := m[s.Value]; ok {
					t.Errorf("%s: add of a value already there: %+v", z.Zone, s)
				}
				m[s.Value] = s.TTL
			case Delete:
				if _, ok := m[s.Value]; !ok {
					t.Errorf("%s: delete of a value not there: %+v", z.Zone, s)
				}
				delete(m, s.Value)
			case Change:
				if _, ok := m[s.From]; !ok {
					t.Errorf("%s: change of a value not there: %+v", z.Zone, s)
				}
				delete(m, s.From)
				m[s.Value] = s.TTL
			}
			if s.OthersTTL > 0 {
				for v := range m {
					m[v] = s.TTL
				}
			}
		}
		for _, c := range z.Changes {
			want := c.Result()
			got := zone[c.Key()]
			if len(got) != len(want.Values) {
				t.Errorf("%s %s: after the steps %v, want %v", z.Zone, c.Key(), got, want.Values)
				continue
			}
			for _, v := range want.Values {
				if ttl, ok := got[v]; !ok || ttl != want.TTL {
					t.Errorf("%s %s: after the steps %q has TTL %d (present %v), want TTL %d", z.Zone, c.Key(), v, ttl, ok, want.TTL)
				}
			}
		}
	}
}

// TestHostileValues checks each sink: no line of the text form is a
// workflow command or carries a raw control character, and nothing in the
// markdown form is live (HTML, a marker, a mention) outside code.
func TestHostileValues(t *testing.T) {
	zones := customerZones()
	var text, md bytes.Buffer
	if err := Text(&text, zones); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, zones); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if escape.CommandLine(line) {
			t.Errorf("text line is a workflow command: %q", line)
		}
		if strings.ContainsAny(line, "\r\x1b") {
			t.Errorf("text line has a control character: %q", line)
		}
	}
	if !strings.Contains(text.String(), `p=none\n::error::pwned`) {
		t.Errorf("the hostile value is not shown escaped in the text form:\n%s", text.String())
	}
	live := escape.Live(md.String())
	for _, bad := range []string{"<!--", "<img", "@fabrikam", "::error"} {
		if strings.Contains(live, bad) {
			t.Errorf("markdown has %q outside code:\n%s", bad, live)
		}
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if escape.CommandLine(line) {
			t.Errorf("markdown line is a workflow command: %q", line)
		}
	}
}
