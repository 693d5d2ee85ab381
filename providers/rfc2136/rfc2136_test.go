package rfc2136_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/providertest"
	_ "github.com/mailzone/mailzone/providers/rfc2136"
	"github.com/mailzone/mailzone/rrset"
)

const zone = "example.com"

// approved is what BIND logs once per UPDATE message it accepts.
var approved = `signer "` + bindtest.DefaultKey.Name + `" approved`

func open(t *testing.T, server string, key bindtest.Key) providers.Provider {
	t.Helper()
	p, err := providers.Open(providers.Config{Name: "lab", Type: "rfc2136", Settings: map[string]string{
		"server":        server,
		"key_name":      key.Name,
		"key_algorithm": key.Algorithm,
		"key":           key.Secret,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs the provider suite against a real BIND primary, and checks
// after every apply that it reached BIND as exactly one UPDATE message (one
// "signer approved" log line) that never deleted a record mailzone does not own.
func TestConformance(t *testing.T) {
	var server *bindtest.Server
	var updates int
	providertest.Run(t, providertest.Harness{
		Zone: zone,
		Setup: func(t *testing.T, zone string, seed []rrset.RRset) providers.Provider {
			server = bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed})
			updates = 0
			return open(t, server.Addr, server.Key)
		},
		After: func(t *testing.T, step string, edits []rrset.Edit) {
			want := updates
			if len(edits) > 0 {
				want++
				server.WaitLog(t, approved, want, 5*time.Second)
			}
			time.Sleep(20 * time.Millisecond) // let a stray second message reach the log
			if got := server.CountLog(approved); got != want {
				t.Errorf("%s: %d UPDATE messages in total, want %d (one per Apply)", step, got, want)
			}
			updates = want
			for _, line := range strings.Split(server.Log(), "\n") {
				if strings.Contains(line, "deleting") && (strings.Contains(line, "google-site-verification") || strings.Contains(line, "legacy._domainkey")) {
					t.Errorf("%s: an unmanaged record was deleted: %s", step, line)
				}
			}
		},
	})
}

func TestFourKKeyIsServedIn255ByteStrings(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone})
	p := open(t, server.Addr, server.Key)
	_, k4096 := providertest.Keys()
	want := rrset.New(zone, "big._domainkey", "TXT", 3600, k4096)
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: want}}); err != nil {
		t.Fatal(err)
	}
	r := server.Query(t, want.Name, dns.TypeTXT)
	if len(r.Answer) != 1 {
		t.Fatalf("answer %v", r.Answer)
	}
	strs := r.Answer[0].(*dns.TXT).Txt
	if n := (len(k4096) + 254) / 255; len(strs) != n {
		t.Errorf("%d-byte key in %d character-strings, want %d", len(k4096), len(strs), n)
	}
	for i, s := range strs[:len(strs)-1] {
		if len(s) != 255 {
			t.Errorf("character-string %d is %d bytes, want 255", i, len(s))
		}
	}
	got := records(t, p)[want.Key()]
	if !got.Equal(want) {
		t.Errorf("read back by AXFR:\nwant %v\nhave %v", want, got)
	}
}

func records(t *testing.T, p providers.Provider) map[rrset.Key]rrset.RRset {
	t.Helper()
	sets, err := p.Records(context.Background(), zone)
	if err != nil {
		t.Fatal(err)
	}
	return rrset.Index(sets)
}

func TestWrongKeyIsAClearError(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: providertest.Unmanaged(zone)})
	wrong := server.Key
	wrong.Secret = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkhIQ=="
	p := open(t, server.Addr, wrong)

	_, err := p.Records(context.Background(), zone)
	if err == nil || !strings.Contains(err.Error(), "key_name, key_algorithm and key") {
		t.Errorf("Records with a wrong key: %v, want an error about the key", err)
	}
	t.Logf("Records: %v", err)

	edit := rrset.Edit{New: rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=none")}
	n, err := p.Apply(context.Background(), zone, []rrset.Edit{edit})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "NOTAUTH") || !strings.Contains(err.Error(), "key_name, key_algorithm and key") {
		t.Errorf("Apply with a wrong key: %d, %v; want 0 and a NOTAUTH error naming the key settings", n, err)
	}
	t.Logf("Apply: %v", err)
	if server.LogContains(approved) {
		t.Error("the server approved an update signed with a wrong key")
	}
}

func TestZoneNotServedIsAClearError(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone})
	// other.example is not served: UPDATE is REFUSED, AXFR answered NOTAUTH.
	p := open(t, server.Addr, server.Key)
	edit := rrset.Edit{New: rrset.New("other.example", "_dmarc", "TXT", 300, "v=DMARC1; p=none")}
	_, err := p.Apply(context.Background(), "other.example", []rrset.Edit{edit})
	if err == nil || !strings.Contains(err.Error(), "REFUSED") {
		t.Errorf("Apply to a zone the server does not serve: %v, want REFUSED", err)
	}
	t.Logf("Apply: %v", err)
	_, err = p.Records(context.Background(), "other.example")
	if err == nil || !strings.Contains(err.Error(), "does not serve other.example.") {
		t.Errorf("Records of a zone the server does not serve: %v, want an error saying so", err)
	}
	t.Logf("Records: %v", err)
}

func TestOpenChecksSettingsBeforeAnyRequest(t *testing.T) {
	key := bindtest.DefaultKey
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"missing key", map[string]string{"server": "127.0.0.1:1", "key_name": key.Name}, "key"},
		{"missing key name", map[string]string{"server": "127.0.0.1:1", "key": key.Secret}, "key_name"},
		{"missing server", map[string]string{"key_name": key.Name, "key": key.Secret}, "server"},
		{"key not base64", map[string]string{"server": "127.0.0.1:1", "key_name": key.Name, "key": "not base64!"}, "base64"},
		{"unknown algorithm", map[string]string{"server": "127.0.0.1:1", "key_name": key.Name, "key": key.Secret, "key_algorithm": "hmac-sha3"}, "hmac-sha3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := providers.Open(providers.Config{Name: "lab", Type: "rfc2136", Settings: tc.settings})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open: %v, want an error about %s", err, tc.want)
			}
		})
	}
	if !providers.IsSecret("rfc2136", "key") {
		t.Error("key is not marked secret")
	}
}

func TestAlgorithms(t *testing.T) {
	for _, alg := range []string{"hmac-sha256", "hmac-sha512", "hmac-sha1"} {
		t.Run(alg, func(t *testing.T) {
			key := bindtest.Key{Name: "k-" + alg, Algorithm: alg, Secret: bindtest.DefaultKey.Secret}
			server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Key: key})
			p := open(t, server.Addr, key)
			want := rrset.New(zone, "_dmarc", "TXT", 300, "v=DMARC1; p=none")
			if _, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: want}}); err != nil {
				t.Fatal(err)
			}
			if got := records(t, p)[want.Key()]; !got.Equal(want) {
				t.Errorf("have %v", got)
			}
		})
	}
}

// TestDeletesRecordsAsTheServerSplitsThem: a TXT record written by another tool in
// character-strings of other lengths is still the record mailzone deletes, since
// deletes name the RDATA as read, not as mailzone would split it.
func TestDeletesRecordsAsTheServerSplitsThem(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: providertest.Unmanaged(zone)})
	rr := &dns.TXT{Hdr: dns.RR_Header{Name: zone + ".", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 3600}, Txt: []string{"v=spf1 ", "mx ", "~all"}}
	rawUpdate(t, server, rr)
	p := open(t, server.Addr, server.Key)
	apex := records(t, p)[rrset.Key{Name: zone + ".", Type: "TXT"}]
	if len(apex.Values) != 2 || apex.Values[1] != "v=spf1 mx ~all" {
		t.Fatalf("apex TXT read as %q", apex.Values)
	}
	edit := rrset.Edit{
		Old:  rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx ~all"),
		New:  rrset.New(zone, "@", "TXT", 3600, "v=spf1 -all"),
		Keep: rrset.New(zone, "@", "TXT", 3600, "google-site-verification=abc123"),
	}
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{edit}); err != nil {
		t.Fatal(err)
	}
	if got := records(t, p)[edit.Key()]; !got.Equal(edit.Result()) {
		t.Errorf("apex TXT:\nwant %v\nhave %v", edit.Result(), got)
	}
}

// TestNewTTLAppliesToKeptRecords documents BIND's behaviour: an RRset has one TTL,
// and adding a record with another TTL changes it for every record in the set,
// including those mailzone keeps. Edit.Result says the same.
func TestNewTTLAppliesToKeptRecords(t *testing.T) {
	seed := append(providertest.Unmanaged(zone), rrset.New(zone, "@", "TXT", 3600, "google-site-verification=abc123", "v=spf1 mx -all"))
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed})
	p := open(t, server.Addr, server.Key)
	edit := rrset.Edit{
		Old:  rrset.New(zone, "@", "TXT", 3600, "v=spf1 mx -all"),
		New:  rrset.New(zone, "@", "TXT", 300, "v=spf1 mx -all"), // TTL only
		Keep: rrset.New(zone, "@", "TXT", 3600, "google-site-verification=abc123"),
	}
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{edit}); err != nil {
		t.Fatal(err)
	}
	got := records(t, p)[edit.Key()]
	if !got.Equal(edit.Result()) || got.TTL != 300 {
		t.Errorf("apex TXT:\nwant %v\nhave %v", edit.Result(), got)
	}
	if server.LogContains("deleting an RR") {
		t.Error("a TTL change deleted a record")
	}
}

// TestSkippedPartIsAnError: BIND accepts an UPDATE that adds a CNAME beside other
// data but skips that part; Apply reads back and reports it.
func TestSkippedPartIsAnError(t *testing.T) {
	server := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: providertest.Unmanaged(zone)})
	p := open(t, server.Addr, server.Key)
	edit := rrset.Edit{New: rrset.New(zone, "legacy._domainkey", "CNAME", 3600, "legacy.dkim.esp.example.")}
	n, err := p.Apply(context.Background(), zone, []rrset.Edit{edit})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "did not apply") {
		t.Fatalf("Apply of a CNAME beside a TXT: %d, %v; want an error", n, err)
	}
	t.Logf("Apply: %v", err)
}

// TestSecondaryServesUpdate: after an Apply on the primary, the secondary is
// NOTIFYd, transfers the change by IXFR and serves it authoritatively.
func TestSecondaryServesUpdate(t *testing.T) {
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: providertest.Unmanaged(zone)})
	secondary := bindtest.StartSecondary(t, primary, bindtest.Options{})
	secondary.WaitSerial(t, primary.Serial(t), 5*time.Second)
	p := open(t, primary.Addr, primary.Key)

	_, k4096 := providertest.Keys()
	want := rrset.New(zone, "s1._domainkey", "TXT", 3600, k4096)
	transfers := secondary.CountLog(bindtest.TransferCompleted)
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: want}}); err != nil {
		t.Fatal(err)
	}
	secondary.WaitLog(t, bindtest.TransferCompleted, transfers+1, 10*time.Second)
	secondary.WaitSerial(t, primary.Serial(t), 5*time.Second)

	r := secondary.Query(t, want.Name, dns.TypeTXT)
	if !r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("secondary: rcode %s aa=%v answer %v", dns.RcodeToString[r.Rcode], r.Authoritative, r.Answer)
	}
	txt := r.Answer[0].(*dns.TXT)
	if got := rrset.JoinTXT(`"` + strings.Join(txt.Txt, `" "`) + `"`); got != k4096 || txt.Hdr.Ttl != 3600 {
		t.Errorf("secondary serves %d bytes ttl %d, want the 4096-bit key (%d bytes) ttl 3600", len(got), txt.Hdr.Ttl, len(k4096))
	}
}

// rawUpdate adds records on server with a TSIG-signed UPDATE, bypassing the
// provider.
func rawUpdate(t *testing.T, server *bindtest.Server, rrs ...dns.RR) {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate(server.Zone)
	m.Insert(rrs)
	name := dns.Fqdn(server.Key.Name)
	m.SetTsig(name, bindtest.TSIGAlgorithm(server.Key.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{name: server.Key.Secret}}
	r, _, err := c.Exchange(m, server.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("raw update: %v %v", err, r)
	}
}
