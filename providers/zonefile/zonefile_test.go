package zonefile

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/rrset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// key2048 is a fixed 2048-bit RSA public key, so golden output is stable.
const key2048 = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3D6TNKWSJDiIgTqTwGUvZ0jpoNGgfqucRanY4LrpOteUH9p4SjYuGXGh0JInkSMq8KFJDtC9x58HYnMyqndWV9YRakZJGPWnCtCL9lldX3UcaFKQp/Jpt6dK+oiZkRXKorvMPzmVVrp/Y0/sIwIMzwSQs6q+Qayhta/oyxd+Tg+diX3mZ3O+JORPhU3CRLMdbXNOdAN0OdrI5VtgV6eKeBEP8qw8keGeDIdaRdlpaz++eHw5lUB0+VzvRfUMnYz8jeoM2k5XbP7eSjNThfqsN5BrnqHumA0J9Yy/G5FT9j69JEVu8WyG81XeVwH51akvBgJSjETK1r20e9rcY9ge1wIDAQAB"

// march10 is the clock of every test that looks at serials.
func march10() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }

// seedText renders sets as a zone file with an SOA (date serial) and an NS record.
func seedText(zone string, seed []rrset.RRset) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 3600\n", zone)
	fmt.Fprintf(&b, "@\tIN\tSOA\tns1.example.net. hostmaster.%s. ( 2024010100 7200 3600 1209600 300 )\n", zone)
	b.WriteString("@\tIN\tNS\tns1.example.net.\n")
	idx := rrset.Index(seed)
	keys := make([]rrset.Key, 0, len(idx))
	for k := range idx {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		s := idx[k]
		for _, v := range s.Values {
			if s.Type == "TXT" {
				v = rrset.QuoteTXT(v)
			}
			fmt.Fprintf(&b, "%s\t%d\tIN\t%s\t%s\n", rrset.Relative(s.Name, zone), s.TTL, s.Type, v)
		}
	}
	return b.String()
}

// writeZone writes text as dir/zone.zone and returns the path.
func writeZone(t *testing.T, dir, zone, text string) string {
	t.Helper()
	path := filepath.Join(dir, zone+".zone")
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	return path
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConformance(t *testing.T) {
	var dir string
	var serial uint32
	providertest.Run(t, providertest.Harness{
		Zone: "example.com",
		Setup: func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider {
			dir = t.TempDir()
			writeZone(t, dir, zone, seedText(zone, seed))
			serial = 2024010100
			return New(dir)
		},
		After: func(t *testing.T, step string, edits []rrset.Edit) {
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp") {
					t.Errorf("%s: temporary file %s left behind", step, e.Name())
				}
			}
			if len(edits) == 0 {
				return
			}
			rrs, err := parseRecords(readText(t, filepath.Join(dir, "example.com.zone")), "example.com.", "x")
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			s := soaOf(t, rrs)
			if s <= serial {
				t.Errorf("%s: serial %d not raised from %d", step, s, serial)
			}
			serial = s
		},
	})
}

func soaOf(t *testing.T, rrs []dns.RR) uint32 {
	t.Helper()
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SOA); ok {
			return s.Serial
		}
	}
	t.Fatal("no SOA")
	return 0
}

func TestRegistered(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeZone(t, filepath.Join(dir, "zones"), "example.com", seedText("example.com", nil))
	p, err := providers.Open(providers.Config{Name: "files", Type: "zonefile", Dir: dir, Settings: map[string]string{"directory": "zones"}})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := p.Records(context.Background(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 {
		t.Errorf("read %v, want SOA and NS", sets)
	}
	_, err = providers.Open(providers.Config{Name: "files", Type: "zonefile", Dir: dir, Settings: map[string]string{"directory": "nope"}})
	if err == nil || !strings.Contains(err.Error(), "directory nope") {
		t.Errorf("missing directory: err = %v", err)
	}
}

// exampleEdits are the edits of the golden example: update SPF, replace the MX
// set, add a 2048-bit DKIM key and DMARC, delete the old DKIM key.
func exampleEdits() []rrset.Edit {
	z := "example.com"
	oldDKIM := "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1TaNgLlSyQMNWVLNLvyY/neDgaL2oqQE8T5illKqCgDtFHc8eHVAU+nlcaGmrKmDMw9dbgiGk1ocgZ56NR4ycfUHwQhvQPMUZw0cveel/8EAGoi/UyPmqfcPibytH81NFtTMAxUeM4Op8A6iHkvAMj5qLf4YRNsTkKAV"
	return []rrset.Edit{
		{Old: rrset.New(z, "s1._domainkey", "TXT", 0), New: rrset.New(z, "s1._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p="+key2048)},
		{
			Old:  rrset.New(z, "@", "TXT", 3600, "v=spf1 mx include:_spf.oldesp.example ~all"),
			New:  rrset.New(z, "@", "TXT", 3600, "v=spf1 include:spf.example.net -all"),
			Keep: rrset.New(z, "@", "TXT", 3600, "google-site-verification=Xyz123AbC"),
		},
		{Old: rrset.New(z, "@", "MX", 3600, "10 mx1.example.com.", "20 mx2.example.com."), New: rrset.New(z, "@", "MX", 3600, "10 inbound.example.net.")},
		{Old: rrset.New(z, "_dmarc", "TXT", 0), New: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.net")},
		{Old: rrset.New(z, "old._domainkey", "TXT", 3600, oldDKIM), New: rrset.New(z, "old._domainkey", "TXT", 0)},
	}
}

func TestApplyGolden(t *testing.T) {
	z := "example.org"
	tests := []struct {
		name  string // testdata/<name>.zone in, testdata/<name>.golden out
		zone  string
		edits []rrset.Edit
	}{
		{"example.com", "example.com", exampleEdits()},
		{"placement", z, []rrset.Edit{
			// SPF beside a verification TXT: after the last apex record.
			{New: rrset.New(z, "@", "TXT", 3600, "v=spf1 include:spf.example.net -all"), Keep: rrset.New(z, "@", "TXT", 300, "verification=1")},
			// A new RRset at a name with other records: after the last of them.
			{New: rrset.New(z, "@", "MX", 3600, "10 mx.example.net.")},
			// A TTL change rewrites the line in place.
			{Old: rrset.New(z, "_dmarc", "TXT", 300, "v=DMARC1; p=none"), New: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")},
			// Deleting a line whose owner the next line inherits.
			{Old: rrset.New(z, "mail", "MX", 300, "10 mail.example.org."), New: rrset.New(z, "mail", "MX", 0)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := readText(t, filepath.Join("testdata", tt.name+".zone"))
			dir := t.TempDir()
			path := writeZone(t, dir, tt.zone, in)
			p := New(dir)
			p.Now = march10
			n, err := p.Apply(context.Background(), tt.zone, tt.edits)
			if err != nil || n != len(tt.edits) {
				t.Fatalf("Apply = %d, %v", n, err)
			}
			got := readText(t, path)
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readText(t, golden); got != want {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, lineDiff(want, got))
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("file mode after apply: %v, %v", fi.Mode(), err)
			}
		})
	}
}

// lineDiff shows the lines of want and got that differ, for failure messages.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestUnmanagedLinesUnchanged(t *testing.T) {
	in := readText(t, "testdata/example.com.zone")
	dir := t.TempDir()
	path := writeZone(t, dir, "example.com", in)
	p := New(dir)
	p.Now = march10
	if _, err := p.Apply(context.Background(), "example.com", exampleEdits()); err != nil {
		t.Fatal(err)
	}
	// Lines the edits own: the serial, both MX, the SPF, the old DKIM key.
	owned := map[string]bool{}
	for _, l := range strings.Split(in, "\n") {
		if strings.Contains(l, "2024031502") || strings.Contains(l, " MX ") || strings.Contains(l, "v=spf1") ||
			strings.Contains(l, "v=DKIM1") || strings.Contains(l, `"p=MIGf`) {
			owned[l] = true
		}
	}
	if len(owned) != 6 {
		t.Fatalf("test setup: found %d owned lines", len(owned))
	}
	// Every other line is in the output, byte for byte and in order.
	out := strings.Split(readText(t, path), "\n")
	j := 0
	for i, l := range strings.Split(in, "\n") {
		if owned[l] {
			continue
		}
		for j < len(out) && out[j] != l {
			j++
		}
		if j == len(out) {
			t.Fatalf("line %d %q is missing or out of order after apply", i+1, l)
		}
		j++
	}
}

func TestNextSerial(t *testing.T) {
	tests := []struct {
		name string
		old  uint32
		want uint32
	}{
		{"date form moves to today", 2024031502, 2026031000},
		{"second change on the same day", 2026031000, 2026031001},
		{"ninety-ninth change of the day", 2026031099, 2026031100},
		{"date in the future counts up", 2030010100, 2030010101},
		{"not a calendar date is a counter", 2024133101, 2024133102},
		{"plain counter", 42, 43},
		{"unix time is a counter", 1710000000, 1710000001},
		{"wrap", 4294967295, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextSerial(tt.old, march10()); got != tt.want {
				t.Errorf("nextSerial(%d) = %d, want %d", tt.old, got, tt.want)
			}
		})
	}
}

func TestApplyBumpsOnlySerialToken(t *testing.T) {
	tests := []struct {
		name, soa, want string
	}{
		{"date", "@ 3600 IN SOA ns1 host ( 2024031502 ; serial\n 7200 3600 1209600 300 ) ; soa\n",
			"@ 3600 IN SOA ns1 host ( 2026031000 ; serial\n 7200 3600 1209600 300 ) ; soa\n"},
		{"counter", "@\t3600\tIN\tSOA\tns1 host 7 7200 3600 1209600 300\n", "@\t3600\tIN\tSOA\tns1 host 8 7200 3600 1209600 300\n"},
		{"wrap", "@ 3600 IN SOA ns1 host (4294967295 7200 3600 1209600 300)\n", "@ 3600 IN SOA ns1 host (0 7200 3600 1209600 300)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeZone(t, dir, "example.com", tt.soa+"www 300 IN A 192.0.2.1\n")
			p := New(dir)
			p.Now = march10
			e := rrset.Edit{New: rrset.New("example.com", "_dmarc", "TXT", 300, "v=DMARC1; p=none")}
			if _, err := p.Apply(context.Background(), "example.com", []rrset.Edit{e}); err != nil {
				t.Fatal(err)
			}
			want := tt.want + "www 300 IN A 192.0.2.1\n_dmarc\t300\tIN\tTXT\t\"v=DMARC1; p=none\"\n"
			if got := readText(t, path); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestInheritance(t *testing.T) {
	z := "example.com"
	soa := "@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300\n"
	tests := []struct {
		name     string
		in, want string
		edit     rrset.Edit
	}{
		{
			"deleted owner moves to the next line",
			soa + "_dmarc  IN TXT \"v=DMARC1; p=none\"\n        IN TXT \"other\" ; keep me\n        IN TXT \"third\"\n",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\n_dmarc        IN TXT \"other\" ; keep me\n        IN TXT \"third\"\n",
			rrset.Edit{Old: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"), Keep: rrset.New(z, "_dmarc", "TXT", 3600, "other", "third")},
		},
		{
			"deleted TTL moves to the next line",
			soa + "a 300 IN A 192.0.2.1\nb IN A 192.0.2.2\n",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\nb 300 IN A 192.0.2.2\n",
			rrset.Edit{Old: rrset.New(z, "a", "A", 300, "192.0.2.1")},
		},
		{
			"inserted TTL does not leak to the next line",
			soa + "a 300 IN A 192.0.2.1\nb IN A 192.0.2.2\n",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\na 300 IN A 192.0.2.1\na\t3600\tIN\tTXT\t\"x\"\nb 300 IN A 192.0.2.2\n",
			rrset.Edit{New: rrset.New(z, "a", "TXT", 3600, "x")},
		},
		{
			"blank owner and omitted TTL together",
			soa + "a 300 IN A 192.0.2.1\n  IN AAAA 2001:db8::1\n",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\na\t300  IN AAAA 2001:db8::1\n",
			rrset.Edit{Old: rrset.New(z, "a", "A", 300, "192.0.2.1")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeZone(t, dir, z, tt.in)
			before, err := New(dir).Records(context.Background(), z)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := New(dir).Apply(context.Background(), z, []rrset.Edit{tt.edit}); err != nil {
				t.Fatal(err)
			}
			if got := readText(t, path); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			after, err := New(dir).Records(context.Background(), z)
			if err != nil {
				t.Fatal(err)
			}
			// Everything but the edited set and the SOA reads the same.
			k := tt.edit.Key()
			strip := func(sets []rrset.RRset) map[rrset.Key]rrset.RRset {
				m := rrset.Index(sets)
				delete(m, k)
				delete(m, rrset.Key{Name: "example.com.", Type: "SOA"})
				return m
			}
			b, a := strip(before), strip(after)
			for k, s := range b {
				if !a[k].Equal(s) {
					t.Errorf("%s changed: %v → %v", k, s, a[k])
				}
			}
		})
	}
}

func TestLineEndings(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no final newline", "@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\n_dmarc\t3600\tIN\tTXT\t\"v=DMARC1; p=none\"\n"},
		{"CRLF", "@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300\r\n; end\r\n",
			"@ 3600 IN SOA ns1 host 2 7200 3600 1209600 300\r\n; end\r\n_dmarc\t3600\tIN\tTXT\t\"v=DMARC1; p=none\"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeZone(t, dir, "example.com", tt.in)
			e := rrset.Edit{New: rrset.New("example.com", "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}
			if _, err := New(dir).Apply(context.Background(), "example.com", []rrset.Edit{e}); err != nil {
				t.Fatal(err)
			}
			if got := readText(t, path); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	soa := "@ 3600 IN SOA ns1 host 1 7200 3600 1209600 300\n"
	tests := []struct{ name, text, want string }{
		{"bad address", soa + "\n; web\nwww 300 IN A 192.0.2.300\n", `zones/example.com.zone:4: bad A A: "192.0.2.300"`},
		{"bad TTL", soa + "www 1x IN A 192.0.2.1\n", `zones/example.com.zone:2: not a TTL: "1x"`},
		{"unknown type", soa + "www 300 IN BOGUS 192.0.2.1\n", `zones/example.com.zone:2: unknown RR type: "BOGUS"`},
		{"include missing", soa + "$INCLUDE other.zone\n", `zones/example.com.zone:2: $INCLUDE other.zone: no such file in the zone directory`},
		{"include outside", soa + "$INCLUDE ../../../../../../etc/hostname\n", `zones/example.com.zone:2: $INCLUDE ../../../../../../etc/hostname: outside the zone directory; mailzone reads included files only from there`},
		{"include absolute", soa + "$INCLUDE /etc/hostname\n", `zones/example.com.zone:2: $INCLUDE /etc/hostname: an absolute path; name a file inside the zone directory`},
		{"generate", soa + "$GENERATE 1-3 host$ A 192.0.2.$\n", `zones/example.com.zone:2: $GENERATE is not supported by the zonefile provider`},
		{"unbalanced parenthesis", soa + "_dmarc 300 IN TXT ( \"v=DMARC1; p=none\"\n", `zones/example.com.zone:2: unbalanced parentheses: a ( is never closed`},
		{"extra parenthesis", soa + "_dmarc 300 IN TXT \"v=DMARC1; p=none\" )\n", `zones/example.com.zone:2: unbalanced parentheses: a ) closes nothing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "zones"), 0o755); err != nil {
				t.Fatal(err)
			}
			path := writeZone(t, filepath.Join(dir, "zones"), "example.com", tt.text)
			p, err := open(providers.Config{Dir: dir, Settings: map[string]string{"directory": "zones"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Records(context.Background(), "example.com")
			if tt.name == "generate" {
				// $GENERATE is read; only Apply, which edits lines, refuses it.
				if err != nil {
					t.Errorf("Records: %v", err)
				}
			} else if err == nil || err.Error() != tt.want {
				t.Errorf("Records: err = %v\nwant %s", err, tt.want)
			}
			e := rrset.Edit{New: rrset.New("example.com", "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}
			n, err := p.Apply(context.Background(), "example.com", []rrset.Edit{e})
			if err == nil || err.Error() != tt.want || n != 0 {
				t.Errorf("Apply: %d, err = %v\nwant %s", n, err, tt.want)
			}
			if got := readText(t, path); got != tt.text {
				t.Errorf("Apply changed a malformed file")
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	p := New("zones")
	p.dir = t.TempDir()
	want := "zones/example.com.zone: zone file does not exist"
	if _, err := p.Records(context.Background(), "example.com"); err == nil || err.Error() != want {
		t.Errorf("Records: %v, want %s", err, want)
	}
	e := rrset.Edit{New: rrset.New("example.com", "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}
	if n, err := p.Apply(context.Background(), "example.com", []rrset.Edit{e}); err == nil || err.Error() != want || n != 0 {
		t.Errorf("Apply: %d, %v, want %s", n, err, want)
	}
}

func TestBadZoneName(t *testing.T) {
	p := New(t.TempDir())
	for _, z := range []string{"", "../etc", "a/b.com", ".hidden"} {
		if _, err := p.Records(context.Background(), z); err == nil {
			t.Errorf("Records(%q) did not fail", z)
		}
	}
}

func TestNoOpApplyDoesNotWrite(t *testing.T) {
	z := "example.com"
	text := seedText(z, append(providertest.Unmanaged(z), rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")))
	dir := t.TempDir()
	path := writeZone(t, dir, z, text)
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edits []rrset.Edit
	}{
		{"nil", nil},
		{"already applied", []rrset.Edit{{Old: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none"), New: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}}},
		{"delete of something absent", []rrset.Edit{{Old: rrset.New(z, "s9._domainkey", "TXT", 3600, "v=DKIM1; p=")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := New(dir).Apply(context.Background(), z, tt.edits)
			if err != nil || n != len(tt.edits) {
				t.Fatalf("Apply = %d, %v", n, err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if !fi.ModTime().Equal(old) {
				t.Errorf("mtime changed to %v", fi.ModTime())
			}
			if readText(t, path) != text {
				t.Errorf("content changed")
			}
		})
	}
}

func TestConcurrentAppliesAllLand(t *testing.T) {
	z := "example.com"
	dir := t.TempDir()
	writeZone(t, dir, z, seedText(z, nil))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := rrset.Edit{New: rrset.New(z, fmt.Sprintf("s%d._domainkey", i), "TXT", 3600, "v=DKIM1; p=")}
			if _, err := New(dir).Apply(context.Background(), z, []rrset.Edit{e}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sets, err := New(dir).Records(context.Background(), z)
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	for i := range n {
		if _, ok := idx[rrset.Key{Name: fmt.Sprintf("s%d._domainkey.example.com.", i), Type: "TXT"}]; !ok {
			t.Errorf("s%d lost", i)
		}
	}
}

func TestLockFileHoldsOffOtherWriters(t *testing.T) {
	z := "example.com"
	dir := t.TempDir()
	path := writeZone(t, dir, z, seedText(z, nil))
	// Another process holding the lock looks the same as this: a flock taken
	// outside the in-process lock.
	release, err := lockFile(context.Background(), path+".lock")
	if err != nil {
		t.Fatal(err)
	}
	e := rrset.Edit{New: rrset.New(z, "_dmarc", "TXT", 3600, "v=DMARC1; p=none")}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := New(dir).Apply(ctx, z, []rrset.Edit{e}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Apply while locked: %v, want deadline exceeded", err)
	}
	release()
	if _, err := New(dir).Apply(context.Background(), z, []rrset.Edit{e}); err != nil {
		t.Fatalf("Apply after release: %v", err)
	}
}

func TestRefusesBrokenEdits(t *testing.T) {
	z := "example.com"
	tests := []struct {
		name string
		edit rrset.Edit
		want string
	}{
		{"outside the zone", rrset.Edit{New: rrset.New(z, "example.net.", "TXT", 300, "x")}, "outside zone"},
		{"SOA", rrset.Edit{New: rrset.New(z, "@", "SOA", 300, "a. b. 1 2 3 4 5")}, "SOA record is kept"},
		{"unparsable value", rrset.Edit{New: rrset.New(z, "www", "A", 300, "not-an-address")}, "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			text := seedText(z, nil)
			path := writeZone(t, dir, z, text)
			n, err := New(dir).Apply(context.Background(), z, []rrset.Edit{tt.edit})
			if err == nil || n != 0 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply = %d, %v; want error containing %q", n, err, tt.want)
			}
			if readText(t, path) != text {
				t.Errorf("file changed")
			}
		})
	}
}

func TestRecordsNormalizes(t *testing.T) {
	z := "example.com"
	text := "$ORIGIN Example.COM.\n$TTL 300\n@ IN SOA ns1 host 1 2 3 4 5\n" +
		"@ IN MX 10 MX1\n" +
		"@ IN TXT ( \"v=spf1 \" ; part one\n  \"-all\" )\n" +
		"_x IN TXT \"a\\\"b\\\\c\\059\"\n" +
		"$ORIGIN sub\nhost IN A 192.0.2.1\n"
	dir := t.TempDir()
	writeZone(t, dir, z, text)
	sets, err := New(dir).Records(context.Background(), z)
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	for _, want := range []rrset.RRset{
		{Name: "example.com.", Type: "MX", TTL: 300, Values: []string{"10 mx1.example.com."}},
		{Name: "example.com.", Type: "TXT", TTL: 300, Values: []string{"v=spf1 -all"}},
		{Name: "_x.example.com.", Type: "TXT", TTL: 300, Values: []string{`a"b\c;`}},
		{Name: "host.sub.example.com.", Type: "A", TTL: 300, Values: []string{"192.0.2.1"}},
	} {
		if got := idx[want.Key()]; !got.Equal(want) {
			t.Errorf("%s: got %v, want %v", want.Key(), got, want)
		}
	}
}

// FuzzApply checks, for any zone text that parses, that replacing the apex SPF
// record either fails or gives a file that parses and holds every other record
// exactly as before (the SOA apart, whose serial moves).
func FuzzApply(f *testing.F) {
	for _, name := range []string{"testdata/example.com.zone", "testdata/placement.zone"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	// Not providertest.Unmanaged: its RSA key generation stalls fuzz workers.
	f.Add(seedText("example.com", []rrset.RRset{
		rrset.New("example.com", "@", "TXT", 3600, "google-site-verification=abc123", "v=spf1 mx ~all"),
		rrset.New("example.com", "legacy._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p="+key2048),
		rrset.New("example.com", "_acme-challenge", "TXT", 120, `token with "quotes" and \backslash`),
	}))
	for _, s := range []string{
		"@ 300 IN SOA ns1 host 1 2 3 4 5\n@ IN TXT \"v=spf1 ~all\"\n IN MX 10 mx\nwww IN A 192.0.2.1\n",
		"@ 300 IN SOA ns1 host (\n 2024010100 ; serial\n 2 3 4 5 )\n IN TXT ( \"v=spf1 \" ; x\n \"-all\" )\n IN TXT \"a;b\"\n",
		"$TTL 60\r\n@ IN SOA ns1 host 1 2 3 4 5\r\n@ TXT \"v=spf1 a -all\"\r\n",
		"@ 300 IN TXT \"v=spf1 -all\" \"quote\\\"d\"\n  IN A 192.0.2.1",
		"$ORIGIN example.com.\n@ 300 IN TXT \"v=spf1 mx -all\"\n$ORIGIN sub.example.com.\n IN A 192.0.2.1\nx IN TXT \"v=spf1 -all\"\n",
		"@ 300 IN TXT v=spf1\n IN TXT \"x\\\n y\"\n",
	} {
		f.Add(s)
	}
	const zone = "example.com."
	isSPF := func(rr dns.RR) bool {
		s := toSet(rr)
		return s.Name == zone && s.Type == "TXT" && strings.HasPrefix(strings.ToLower(s.Values[0]), "v=spf1")
	}
	others := func(rrs []dns.RR) []string {
		var out []string
		for _, rr := range rrs {
			if _, soa := rr.(*dns.SOA); !soa && !isSPF(rr) {
				out = append(out, rr.String())
			}
		}
		sort.Strings(out)
		return out
	}
	f.Fuzz(func(t *testing.T, text string) {
		rrs, err := parseRecords(text, zone, "f")
		if err != nil {
			return
		}
		var old, keep []string
		for _, rr := range rrs {
			if s := toSet(rr); isSPF(rr) {
				old = append(old, s.Values[0])
			} else if s.Name == zone && s.Type == "TXT" {
				keep = append(keep, s.Values[0])
			}
		}
		e := rrset.Edit{
			Old:  rrset.New(zone, "@", "TXT", 3600, old...),
			New:  rrset.New(zone, "@", "TXT", 3600, "v=spf1 include:spf.example.net -all"),
			Keep: rrset.New(zone, "@", "TXT", 3600, keep...),
		}
		out, changed, err := edit(text, zone, "f", []rrset.Edit{e}, march10(), nil)
		if err != nil {
			return
		}
		if !changed {
			if out != text {
				t.Fatal("unchanged but text differs")
			}
			return
		}
		rrs2, err := parseRecords(out, zone, "f")
		if err != nil {
			t.Fatalf("result does not parse: %v\n%s", err, out)
		}
		if a, b := others(rrs), others(rrs2); strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Fatalf("unmanaged records changed:\nbefore %q\nafter  %q\n%s", a, b, out)
		}
		var spf []string
		for _, rr := range rrs2 {
			if isSPF(rr) {
				spf = append(spf, toSet(rr).Values[0])
			}
		}
		if len(spf) != 1 || spf[0] != "v=spf1 include:spf.example.net -all" {
			t.Fatalf("SPF after apply: %q\n%s", spf, out)
		}
	})
}
