package dnsname

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	long := strings.Repeat("a", 63)
	tests := []struct {
		name        string
		host, owner string // "" = valid; else a word of the error
	}{
		{"contoso.com", "", ""},
		{"Contoso.COM.", "", ""},
		{"mail.protection.outlook.com", "", ""},
		{"contoso-com.mail.protection.outlook.com.", "", ""},
		{"selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "underscore", ""},
		{"s1.domainkey.u1234.wl.sendgrid.net", "", ""},
		{"s1._domainkey.u1234.wl233.sendgrid.net", "underscore", ""},
		{"4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv.dkim.amazonses.com", "", ""},
		{"google._domainkey.example.com", "underscore", ""},
		{"_dmarc.example.com", "underscore", ""},
		{"xn--mnchen-3ya.de", "", ""},              // münchen.de
		{"xn--bcher-kva.example", "", ""},          // bücher.example
		{"xn--zz.example", "punycode", "punycode"}, // not valid punycode
		{"xn--.example", "hyphen", "hyphen"},
		{"ab--cd.example", "IDNA", "IDNA"},
		{"192.0.2.1", "IP address", "IP address"},
		{"2001:db8::1", "IP address", "IP address"},
		{"1.2.3.4.5", "numeric", "numeric"},
		{"-bad.example", "hyphen", "hyphen"},
		{"bad-.example", "hyphen", "hyphen"},
		{"a..example", "empty label", "empty label"},
		{"", "empty", "empty"},
		{long + ".example", "", ""},
		{long + "a.example", "63", "63"},
		{strings.Repeat(long+".", 4)[:254], "octets", "octets"},
		{"sp ace.example", "letters", "letters"},
		{"new\nline.example", "letters", "letters"},
		{"back`tick.example", "letters", "letters"},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			rule string
			fn   func(string) error
			want string
		}{{"Host", Host, tt.host}, {"Owner", Owner, tt.owner}} {
			err := c.fn(tt.name)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s(%q) = %v, want valid", c.rule, tt.name, err)
			case c.want != "" && err == nil:
				t.Errorf("%s(%q) = valid, want an error about %q", c.rule, tt.name, c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("%s(%q) = %v, want it to mention %q", c.rule, tt.name, err, c.want)
			}
		}
	}
}
