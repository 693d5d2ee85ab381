package rrset

import (
	"reflect"
	"strings"
	"testing"
)

// TestFindAgreesWithIndex checks that Find gives, for every key, what Index
// gives, duplicates merged, and leaves the sets it is given as they were.
func TestFindAgreesWithIndex(t *testing.T) {
	cases := map[string][]RRset{
		"none": nil,
		"one per key (a zone file's sets)": {
			New(".", "contoso.com.", "MX", 3600, "10 contoso-com.mail.protection.outlook.com."),
			New(".", "contoso.com.", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com -all", "MS=ms12345678"),
			New(".", "selector1._domainkey.contoso.com.", "CNAME", 3600, "selector1-contoso-com._domainkey.contoso.onmicrosoft.com."),
		},
		"a key twice, values repeated": {
			New(".", "contoso.com.", "TXT", 300, "v=spf1 -all"),
			New(".", "_dmarc.contoso.com.", "TXT", 300, "v=DMARC1; p=none"),
			New(".", "contoso.com.", "TXT", 3600, "google-site-verification=abc", "v=spf1 -all"),
		},
		"per-value TTLs (Cloudflare), a key three times": {
			{Name: "contoso.com.", Type: "TXT", TTL: 1, Values: []string{"a"}, ValueTTLs: map[string]uint32{"a": 1}},
			{Name: "contoso.com.", Type: "TXT", TTL: 3600, Values: []string{"v=spf1 -all"}, ValueTTLs: map[string]uint32{"v=spf1 -all": 3600}},
			{Name: "contoso.com.", Type: "TXT", TTL: 300, Values: []string{"b", "a"}},
		},
	}
	for name, sets := range cases {
		t.Run(name, func(t *testing.T) {
			before := clone(sets)
			idx := Index(sets)
			for key, want := range idx {
				got, ok := Find(sets, key)
				if !ok || !reflect.DeepEqual(got, want) {
					t.Errorf("Find(%s) = %+v, %v; Index has %+v", key, got, ok, want)
				}
			}
			if _, ok := Find(sets, Key{"absent.contoso.com.", "TXT"}); ok {
				t.Error("Find found a key no set has")
			}
			if !reflect.DeepEqual(sets, before) {
				t.Errorf("the sets changed:\n%+v\nwere\n%+v", sets, before)
			}
		})
	}
}

func clone(sets []RRset) []RRset {
	var out []RRset
	for _, s := range sets {
		c := s
		c.Values = append([]string(nil), s.Values...)
		if s.ValueTTLs != nil {
			c.ValueTTLs = map[string]uint32{}
			for k, v := range s.ValueTTLs {
				c.ValueTTLs[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// TestNormalizeMX checks the values kept as they are against those taken
// apart: both give the canonical form.
func TestNormalizeMX(t *testing.T) {
	for in, want := range map[string]string{
		"10 contoso-com.mail.protection.outlook.com.": "10 contoso-com.mail.protection.outlook.com.",
		"0 .":                   "0 .",
		"65535 mx.example.":     "65535 mx.example.",
		"65536 mx.example.":     "65536 mx.example.",
		"010 mx.example.":       "10 mx.example.",
		"10  mx.example.":       "10 mx.example.",
		"10 MX.Example.":        "10 mx.example.",
		"10 mx.example":         "10 mx.example.",
		" 10 mx.example.":       "10 mx.example.",
		"10 mx.example. ":       "10 mx.example.",
		"10\tmx.example.":       "10 mx.example.",
		"ten mx.example.":       "ten mx.example.",
		"10 inbound.example. x": "10 inbound.example. x",
	} {
		if got := NormalizeValue("MX", in); got != want {
			t.Errorf("NormalizeValue(MX, %q) = %q, want %q", in, got, want)
		}
	}
}

// TestNormalizeSpaces checks values of other types, kept as they are where
// they are single-spaced and rebuilt where not, against strings.Fields.
func TestNormalizeSpaces(t *testing.T) {
	for _, v := range []string{
		"ns1.contoso.com. hostmaster.contoso.com. 2026120201 7200 3600 1209600 300",
		"ns1.contoso.com.  hostmaster.contoso.com. 1 2 3 4 5",
		" 192.0.2.10", "192.0.2.10 ", "", " ", "a\tb", "a\nb", "a\u00a0b", "a\u0085b", "a\u2003b", "2001:db8::1",
	} {
		want := strings.Join(strings.Fields(v), " ")
		if got := NormalizeValue("SOA", v); got != want {
			t.Errorf("NormalizeValue(SOA, %q) = %q, want %q", v, got, want)
		}
	}
}
