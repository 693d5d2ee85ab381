package spf

import (
	"reflect"
	"strings"
	"testing"
)

func TestSpecRender(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"empty spec fails everything", Spec{}, "v=spf1 -all"},
		{"fixed order", Spec{
			Include: []string{"_spf.google.com", "spf.protection.outlook.com"},
			IP4:     []string{"192.0.2.0/24"}, IP6: []string{"2001:db8::/32"},
			A: true, MX: true, All: "fail",
		}, "v=spf1 a mx ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com include:spf.protection.outlook.com -all"},
		{"addresses sorted numerically and deduplicated", Spec{
			IP4: []string{"198.51.100.7", "192.0.2.10", "192.0.2.9", "192.0.2.0/24", "192.0.2.10", " 192.0.2.9 "},
			IP6: []string{"2001:db8::2", "2001:db8::1", "2001:db8::1"},
		}, "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.9 ip4:192.0.2.10 ip4:198.51.100.7 ip6:2001:db8::1 ip6:2001:db8::2 -all"},
		{"invalid addresses sort last", Spec{IP4: []string{"zz", "192.0.2.1", "aa"}}, "v=spf1 ip4:192.0.2.1 ip4:aa ip4:zz -all"},
		{"includes keep their order without repeats", Spec{Include: []string{"b.example", "a.example", "b.example"}}, "v=spf1 include:b.example include:a.example -all"},
		{"softfail", Spec{MX: true, All: "softfail"}, "v=spf1 mx ~all"},
		{"redirect replaces all", Spec{Redirect: "_spf.example.com"}, "v=spf1 redirect=_spf.example.com"},
		{"redirect with explicit all", Spec{All: "fail", Redirect: "_spf.example.com"}, "v=spf1 -all redirect=_spf.example.com"},
		{"unknown all renders none", Spec{MX: true, All: "pass"}, "v=spf1 mx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Render(); got != tt.want {
				t.Errorf("Render() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpecCheck(t *testing.T) {
	many := Spec{A: true, MX: true}
	for _, d := range strings.Fields("a b c d e f g h i") {
		many.Include = append(many.Include, d+".example.com")
	}
	tests := []struct {
		name   string
		spec   Spec
		policy Policy
		want   []string
	}{
		{"clean", Spec{MX: true, Include: []string{"_spf.example.com"}}, Policy{}, nil},
		{"softfail needs allow", Spec{All: "softfail"}, Policy{},
			[]string{`term "~all": "~all" only marks forged mail as suspicious; use "-all", or set allow_softfail: true to publish softfail on purpose`}},
		{"softfail allowed", Spec{All: "softfail"}, Policy{AllowSoftfail: true}, nil},
		{"unknown all", Spec{All: "pass"}, Policy{},
			[]string{
				`all: "pass" is not one of fail, softfail`,
				`record has neither "all" nor redirect, so unlisted hosts get a neutral result; end it with "-all"`,
			}},
		{"too many lookups", many, Policy{},
			[]string{`record needs 11 DNS lookups (include, a, mx, ptr, exists, redirect); the limit is 10 (RFC 7208 section 4.6.4), so remove or flatten some`}},
		{"bad address has the parser's text", Spec{IP4: []string{"192.0.2.0/33"}, Include: []string{"museum"}}, Policy{},
			[]string{
				`term "ip4:192.0.2.0/33": ip4 prefix length must be 0-32`,
				`term "include:museum": domain "museum" must end in a top-level label such as ".com" or in a macro`,
			}},
		{"redirect with all warns", Spec{All: "fail", Redirect: "_spf.example.com"}, Policy{},
			[]string{`warning: term "redirect=_spf.example.com": redirect is ignored because the record has "-all" (RFC 7208 section 6.1); remove one of them`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problemTexts(tt.spec.Check(tt.policy))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestFromRecord(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"builder output", "v=spf1 a mx ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com -all", true},
		{"plain fail", "v=spf1 -all", true},
		{"softfail", "v=spf1 include:example.com ~all", true},
		{"redirect", "v=spf1 redirect=_spf.example.com", true},
		{"redirect and all", "v=spf1 mx -all redirect=_spf.example.com", true},
		{"upper-case version canonicalised", "V=SPF1 mx -all", true},
		{"includes in any order", "v=spf1 include:b.example include:a.example -all", true},
		{"out of order", "v=spf1 mx a -all", false},
		{"addresses not sorted", "v=spf1 ip4:192.0.2.9 ip4:192.0.2.1 -all", false},
		{"duplicate", "v=spf1 mx mx -all", false},
		{"explicit plus qualifier", "v=spf1 +mx -all", false},
		{"upper-case mechanism", "v=spf1 MX -all", false},
		{"ptr", "v=spf1 ptr -all", false},
		{"a with domain", "v=spf1 a:example.com -all", false},
		{"exp", "v=spf1 -all exp=explain.example.com", false},
		{"neutral all", "v=spf1 ?all", false},
		{"no all", "v=spf1 mx", false},
		{"softfail include", "v=spf1 ~include:example.com -all", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			s, ok := FromRecord(r)
			if ok != tt.ok {
				t.Fatalf("FromRecord(%q) ok = %v, want %v (spec %+v renders %q)", tt.in, ok, tt.ok, s, s.Render())
			}
			if ok && s.Render() != r.String() {
				t.Errorf("Render() = %q, want %q", s.Render(), r.String())
			}
			if !ok && !reflect.DeepEqual(s, Spec{}) {
				t.Errorf("spec = %+v, want zero value when not ok", s)
			}
		})
	}
}
