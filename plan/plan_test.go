package plan

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

func init() {
	providers.Register(providers.Type{Name: "test", Open: func(providers.Config) (providers.Provider, error) {
		return nil, errors.New("not for opening")
	}})
}

const cfgHead = `version: 1
providers: {p: {type: test}}
defaults: {provider: p, ttl: 3600}
domains:
`

func domains(t *testing.T, yaml string) []*schema.Domain {
	t.Helper()
	cfg, err := schema.Parse("mailzone.yaml", []byte(cfgHead+yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg.Domains
}

const key2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzv2HlqEOz4MVuwshumkE0gMsEwfssWnqoHwFd3fmJiPKFIrEYKT/C1BHIWbUJtn4Ik+jBkmI3cF1d6ybEVjYsZAUvuxX6l4Kn4i6XmcpoX5sDD80+BUr6QsaNmN/vEYatbJVxCDLhDG1fTGFs4F7S8n2aJAL6dKgabCpoR0vbv62Xv3vdLSfKVzuDzswn/rXFxyn6jkdd6sc5/4nSmNzIBFrEDqWBdDFVTmJhTOwD9CmGexC1k1Xa2Wx7ZIEfSIe7AcF7Ik5kGiPgd9iSL2xDcCySaCy0rvuHQb2FzaGwXgzB3w3JbbA3tR2frLzXXvhE2iYxuVahcQ6q5+tSeRC6QIDAQAB"

func obs(zone string, sets ...rrset.RRset) []rrset.RRset { return sets }

func TestDiff(t *testing.T) {
	z := "a.example"
	rs := func(name, typ string, ttl uint32, v ...string) rrset.RRset { return rrset.New(z, name, typ, ttl, v...) }
	tests := []struct {
		name      string
		yaml      string
		observed  []rrset.RRset
		want      []string // "action field name type: old -> new (keep)"
		unmanaged []string
	}{
		{"create from empty", "  a.example: {mx: mx.example.net, spf: {include: [s.example.net]}}\n", nil,
			[]string{"create mx a.example. MX: [] -> [10 mx.example.net.] keep []",
				"create spf a.example. TXT: [] -> [v=spf1 include:s.example.net -all] keep []"}, nil},
		{"no change when equal", "  a.example: {mx: mx.example.net}\n",
			obs(z, rs("@", "MX", 3600, "10 MX.Example.Net.")), nil, nil},
		{"second MX replaced by the single MX", "  a.example: {mx: mx.example.net}\n",
			obs(z, rs("@", "MX", 3600, "10 mx.example.net.", "20 backup.example.net.")),
			[]string{"update mx a.example. MX: [10 mx.example.net. 20 backup.example.net.] -> [10 mx.example.net.] keep []"}, nil},
		{"SPF updated, verification TXT kept", "  a.example: {spf: {include: [s.example.net]}}\n",
			obs(z, rs("@", "TXT", 3600, "v=spf1 include:old.example ~all", "google-site-verification=x")),
			[]string{"update spf a.example. TXT: [v=spf1 include:old.example ~all] -> [v=spf1 include:s.example.net -all] keep [google-site-verification=x]"}, nil},
		{"two SPF records collapse to one", "  a.example: {spf: {include: [s.example.net]}}\n",
			obs(z, rs("@", "TXT", 3600, "v=spf1 include:s.example.net -all", "v=spf1 mx -all")),
			[]string{"update spf a.example. TXT: [v=spf1 include:s.example.net -all v=spf1 mx -all] -> [v=spf1 include:s.example.net -all] keep []"}, nil},
		{"TTL change alone is an update", "  a.example: {mx: mx.example.net, ttl: 300}\n",
			obs(z, rs("@", "MX", 3600, "10 mx.example.net.")),
			[]string{"update mx a.example. MX: [10 mx.example.net.] -> [10 mx.example.net.] keep []"}, nil},
		{"CNAME at _dmarc replaced by TXT", "  a.example: {dmarc: {policy: reject}}\n",
			obs(z, rs("_dmarc", "CNAME", 3600, "dmarc.esp.example."), rs("_dmarc", "TXT", 60, "unrelated")),
			[]string{"create dmarc _dmarc.a.example. TXT: [] -> [v=DMARC1; p=reject] keep [unrelated]",
				"delete dmarc _dmarc.a.example. CNAME: [dmarc.esp.example.] -> [] keep []"}, nil},
		{"undeclared selector listed, not touched", "  a.example: {dkim: {s1: {public_key: " + key2048 + "}}}\n",
			obs(z, rs("s1._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p="+key2048), rs("old._domainkey", "TXT", 3600, "v=DKIM1; p=abc")),
			nil, []string{"old._domainkey.a.example. TXT"}},
		{"selector moves from TXT to CNAME", "  a.example: {dkim: {s1: {cname: s1.esp.example}}}\n",
			obs(z, rs("s1._domainkey", "TXT", 3600, "v=DKIM1; p=abc")),
			[]string{"create dkim.s1 s1._domainkey.a.example. CNAME: [] -> [s1.esp.example.] keep []",
				"delete dkim.s1 s1._domainkey.a.example. TXT: [v=DKIM1; p=abc] -> [] keep []"}, nil},
		{"revoked selector", "  a.example: {dkim: {s1: {revoked: true}}}\n",
			obs(z, rs("s1._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p="+key2048)),
			[]string{"update dkim.s1 s1._domainkey.a.example. TXT: [v=DKIM1; k=rsa; p=" + key2048 + "] -> [v=DKIM1; p=] keep []"}, nil},
		{"deleted selector", "  a.example: {dkim: {s1: {delete: true}}}\n",
			obs(z, rs("s1._domainkey", "TXT", 3600, "v=DKIM1; p=")),
			[]string{"delete dkim.s1 s1._domainkey.a.example. TXT: [v=DKIM1; p=] -> [] keep []"}, nil},
		{"domain inside a parent zone", "  mail.a.example: {zone: a.example, mx: mx.example.net}\n",
			obs(z, rs("@", "MX", 3600, "10 other.example.net.")),
			[]string{"create mx mail.a.example. MX: [] -> [10 mx.example.net.] keep []"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zp := Diff(z, "p", domains(t, tt.yaml), tt.observed)
			var got []string
			for _, c := range zp.Changes {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var un []string
			for _, u := range zp.Unmanaged {
				un = append(un, u.Name+" "+u.Type)
			}
			if strings.Join(un, "\n") != strings.Join(tt.unmanaged, "\n") {
				t.Errorf("unmanaged: %v, want %v", un, tt.unmanaged)
			}
		})
	}
}

// String renders a change compactly for tests.
func (c Change) String() string {
	return string(c.Action) + " " + c.Field + " " + c.Key().Name + " " + c.Key().Type + ": " +
		fmtVals(c.Old.Values) + " -> " + fmtVals(c.New.Values) + " keep " + fmtVals(c.Keep.Values)
}

func fmtVals(v []string) string { return "[" + strings.Join(v, " ") + "]" }

func TestOrdered(t *testing.T) {
	z := &Zone{Changes: []Change{
		{Field: "mx", Action: rrset.Update, Edit: rrset.Edit{Old: rrset.New(".", "a.", "MX", 1, "10 x."), New: rrset.New(".", "a.", "MX", 1, "10 y.")}},
		{Field: "dkim.old", Action: rrset.Delete, Edit: rrset.Edit{Old: rrset.New(".", "old._domainkey.a.", "TXT", 1, "k")}},
		{Field: "dkim.s1", Action: rrset.Create, Edit: rrset.Edit{New: rrset.New(".", "s1._domainkey.a.", "CNAME", 1, "t.")}},
		{Field: "dkim.s1", Action: rrset.Delete, Edit: rrset.Edit{Old: rrset.New(".", "s1._domainkey.a.", "TXT", 1, "k")}},
		{Field: "dkim.s2", Action: rrset.Create, Edit: rrset.Edit{New: rrset.New(".", "s2._domainkey.a.", "TXT", 1, "k")}},
	}}
	var got []string
	for _, c := range z.Ordered() {
		got = append(got, string(c.Action)+" "+c.Key().String())
	}
	want := []string{
		"delete s1._domainkey.a. TXT",
		"create s1._domainkey.a. CNAME",
		"create s2._domainkey.a. TXT",
		"update a. MX",
		"delete old._domainkey.a. TXT",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStale(t *testing.T) {
	z := "a.example"
	before := []rrset.RRset{rrset.New(z, "@", "TXT", 3600, "v=spf1 -all", "token=1")}
	zp := Diff(z, "p", domains(t, "  a.example: {spf: {include: [s.example.net]}, mx: mx.example.net}\n"), before)
	if s := zp.Stale(before); len(s) != 0 {
		t.Fatalf("unchanged zone reported stale: %v", s)
	}
	// someone edits the verification token beside the SPF record
	after := []rrset.RRset{rrset.New(z, "@", "TXT", 3600, "v=spf1 -all", "token=2")}
	if s := zp.Stale(after); len(s) != 1 || s[0].Name != "a.example." || s[0].Type != "TXT" {
		t.Fatalf("stale = %v", s)
	}
	// a record appearing where the plan saw none is a change too
	after = append(before, rrset.New(z, "@", "MX", 300, "10 x.example."))
	if s := zp.Stale(after); len(s) != 1 || s[0].Type != "MX" {
		t.Fatalf("stale = %v", s)
	}
}

// TestDiffShown: a plan only shown has the same changes and reads the same
// names as one to save, without their fingerprints.
func TestDiffShown(t *testing.T) {
	z := "a.example"
	ds := domains(t, "  a.example: {spf: {include: [s.example.net]}, mx: mx.example.net, dmarc: {policy: none}}\n")
	observed := []rrset.RRset{rrset.New(z, "@", "TXT", 3600, "v=spf1 -all", "token=1"), rrset.New(z, "@", "MX", 300, "10 mx.example.net.")}
	signed, shown := Diff(z, "p", ds, observed), DiffShown(z, "p", ds, observed)
	var textSigned, textShown bytes.Buffer
	Text(&textSigned, &Plan{Zones: []*Zone{signed}}, TextOptions{})
	Text(&textShown, &Plan{Zones: []*Zone{shown}}, TextOptions{})
	if textSigned.String() != textShown.String() || len(signed.Changes) != 3 {
		t.Errorf("shown plan differs:\n%s\nsigned:\n%s", textShown.String(), textSigned.String())
	}
	if len(shown.Read) != 0 || len(signed.Read) == 0 {
		t.Fatalf("read %d and %d names; a shown plan lists none", len(shown.Read), len(signed.Read))
	}
	for i := range signed.Read {
		if signed.Read[i].Hash == "" {
			t.Errorf("read %d: no fingerprint: %+v", i, signed.Read[i])
		}
	}
}

// samplePlan is a plan over every kind of change, for the renderers.
func samplePlan(t *testing.T) *Plan {
	t.Helper()
	z := "customer.example"
	rs := func(name, typ string, ttl uint32, v ...string) rrset.RRset { return rrset.New(z, name, typ, ttl, v...) }
	ds := domains(t, `  customer.example:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net]}
    dkim:
      mz1: {public_key: `+key2048+`}
      old: {revoked: true}
    dmarc: {policy: reject, rua: ["mailto:d@customer.example"]}
  parked.example: {mail: none}
`)
	p := &Plan{FormatVersion: FormatVersion, Config: "mailzone.yaml"}
	p.Zones = append(p.Zones, Diff(z, "p", ds[:1], []rrset.RRset{
		rs("@", "MX", 3600, "10 mx1.old.example.", "20 mx2.old.example."),
		rs("@", "TXT", 3600, "v=spf1 include:_spf.old.example ~all", "google-site-verification=4ac9"),
		rs("old._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1TaNgLlSyQMNWVLNLvyY/neDgaL2oqQE8T5illKqCgDtFHc8eHVAU+nlcaGmrKmDMw9dbgiGk1ocgZ56NR4ycfUHwQhvQPMUZw0cveel/8EAGoi/UyPmqfcPibytH81NFtTMAxUeM4Op8A6iHkvAMj5qLf4YRNsTkKAV5dD4iQIDAQAB"),
		rs("crm._domainkey", "TXT", 3600, "v=DKIM1; p=MIGf"),
		rs("_dmarc", "TXT", 300, "v=DMARC1; p=none"),
	}))
	p.Zones = append(p.Zones, Diff("parked.example", "p", ds[1:], []rrset.RRset{
		rrset.New("parked.example", "@", "MX", 3600, "0 ."),
		rrset.New("parked.example", "@", "TXT", 3600, "v=spf1 -all"),
		rrset.New("parked.example", "*._domainkey", "TXT", 3600, "v=DKIM1; p="),
		rrset.New("parked.example", "_dmarc", "TXT", 3600, "v=DMARC1; p=reject; sp=reject"),
	}))
	// Read name by name, as a manual provider reads the customer's DNS.
	p.Zones[1].Unlisted = true
	// Shown unchanged by its provider's nameservers, so not listed.
	p.Zones = append(p.Zones, &Zone{Zone: "fabrikam.example", Provider: "cf", Domains: []string{"fabrikam.example"},
		Changes: []Change{}, Read: []Fingerprint{}, ReadVia: ReadDNS})
	p.Zones = append(p.Zones, &Zone{Zone: "broken.example", Provider: "p", Domains: []string{"broken.example"},
		Changes: []Change{}, Read: []Fingerprint{}, Error: "GET /zones: 403 Forbidden"})
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./plan -update rewrites it):\n%s", name, got)
	}
}

func TestTextGolden(t *testing.T) {
	for _, tt := range []struct {
		file string
		o    TextOptions
	}{{"plan.txt", TextOptions{}}, {"plan-color.txt", TextOptions{Color: true}}, {"plan-full.txt", TextOptions{Full: true}}} {
		var b bytes.Buffer
		if err := Text(&b, samplePlan(t), tt.o); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.file, b.Bytes())
		if !tt.o.Color && bytes.Contains(b.Bytes(), []byte("\x1b[")) {
			t.Errorf("%s: escape codes without Color", tt.file)
		}
	}
}

func TestJSONGolden(t *testing.T) {
	data, err := JSON(samplePlan(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.json", data)
}

func TestSaveRead(t *testing.T) {
	p := samplePlan(t)
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := Save(p, path, nil); err != nil {
		t.Fatal(err)
	}
	q, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := JSON(p)
	b, _ := JSON(q)
	if !bytes.Equal(a, b) {
		t.Error("plan changed in a save/read round trip")
	}
	os.WriteFile(path, []byte(`{"format_version": 9}`), 0o644)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "format version 9 is not supported") {
		t.Errorf("Read of a future plan: %v", err)
	}
}

func TestNoChangesSummary(t *testing.T) {
	var b bytes.Buffer
	Text(&b, &Plan{Zones: []*Zone{{Zone: "a.example", Provider: "p"}}}, TextOptions{})
	if !strings.HasSuffix(b.String(), "No changes. The zones match the configuration.\n") {
		t.Errorf("got %q", b.String())
	}
}
