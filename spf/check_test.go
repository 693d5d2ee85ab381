package spf

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func problemTexts(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		s := p.Error()
		if p.Severity == Warning {
			s = "warning: " + s
		}
		out = append(out, s)
	}
	return out
}

func TestCheck(t *testing.T) {
	long := "v=spf1"
	for i := 0; i < 30; i++ {
		long += fmt.Sprintf(" ip4:192.0.2.%d", 100+i)
	}
	long += " -all"
	tests := []struct {
		name   string
		in     string
		policy Policy
		want   []string
	}{
		{"fail is clean", "v=spf1 mx include:_spf.example.com -all", Policy{}, nil},
		{"redirect alone is clean", "v=spf1 redirect=_spf.example.com", Policy{}, nil},
		{"modifier after all is clean", "v=spf1 -all exp=explain.example.com", Policy{}, nil},
		{"softfail allowed", "v=spf1 mx ~all", Policy{AllowSoftfail: true}, nil},
		{"softfail not allowed", "v=spf1 mx ~all", Policy{},
			[]string{`term "~all": "~all" only marks forged mail as suspicious; use "-all", or set allow_softfail: true to publish softfail on purpose`}},
		{"plus all", "v=spf1 +all", Policy{},
			[]string{`term "+all": "+all" lets any host send as this domain; use "-all"`}},
		{"all without qualifier", "v=spf1 mx all", Policy{},
			[]string{`term "all": "all" without a qualifier means "+all" and lets any host send as this domain; use "-all"`}},
		{"neutral all", "v=spf1 ?all", Policy{AllowSoftfail: true},
			[]string{`term "?all": "?all" is neutral and protects nothing; use "-all"`}},
		{"missing all", "v=spf1 mx", Policy{},
			[]string{`record has neither "all" nor redirect, so unlisted hosts get a neutral result; end it with "-all"`}},
		{"empty record", "v=spf1", Policy{},
			[]string{`record has neither "all" nor redirect, so unlisted hosts get a neutral result; end it with "-all"`}},
		{"ptr", "v=spf1 ptr -all", Policy{},
			[]string{`term "ptr": ptr is slow and unreliable and RFC 7208 section 5.5 says not to use it; list the addresses with ip4/ip6 or use "a"`}},
		{"ptr with domain", "v=spf1 ?ptr:example.com -all", Policy{},
			[]string{`term "?ptr:example.com": ptr is slow and unreliable and RFC 7208 section 5.5 says not to use it; list the addresses with ip4/ip6 or use "a"`}},
		{"ten lookups is the limit", "v=spf1 a mx include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example include:g.example exists:%{i}.h.example -all", Policy{}, nil},
		{"eleven lookups", "v=spf1 a mx include:a.example include:b.example include:c.example include:d.example include:e.example include:f.example include:g.example exists:%{i}.h.example redirect=i.example", Policy{},
			[]string{`record needs 11 DNS lookups (include, a, mx, ptr, exists, redirect); the limit is 10 (RFC 7208 section 4.6.4), so remove or flatten some`}},
		{"redirect twice", "v=spf1 redirect=a.example.com redirect=b.example.com", Policy{},
			[]string{`term "redirect=b.example.com": redirect may appear only once (RFC 7208 section 6); remove the extra one`}},
		{"exp twice", "v=spf1 exp=a.example.com -all exp=b.example.com", Policy{},
			[]string{`term "exp=b.example.com": exp may appear only once (RFC 7208 section 6); remove the extra one`}},
		{"mechanism after all", "v=spf1 -all ip4:192.0.2.1 mx", Policy{},
			[]string{
				`term "ip4:192.0.2.1": comes after "-all" and is never evaluated; move it before "all" or remove it`,
				`term "mx": comes after "-all" and is never evaluated; move it before "all" or remove it`,
			}},
		{"all twice", "v=spf1 all -all", Policy{},
			[]string{
				`term "all": "all" without a qualifier means "+all" and lets any host send as this domain; use "-all"`,
				`term "-all": comes after "all" and is never evaluated; move it before "all" or remove it`,
			}},
		{"redirect with all", "v=spf1 redirect=_spf.example.com -all", Policy{},
			[]string{`warning: term "redirect=_spf.example.com": redirect is ignored because the record has "-all" (RFC 7208 section 6.1); remove one of them`}},
		{"duplicate term", "v=spf1 mx +mx ip4:192.0.2.1 ip4:192.0.2.1 -all", Policy{},
			[]string{
				`warning: term "+mx": appears more than once; remove the duplicate`,
				`warning: term "ip4:192.0.2.1": appears more than once; remove the duplicate`,
			}},
		{"duplicate domain differs in case", "v=spf1 include:Example.com include:example.COM -all", Policy{},
			[]string{`warning: term "include:example.COM": appears more than once; remove the duplicate`}},
		{"long record", long, Policy{},
			[]string{`warning: record is 491 bytes; keep it to 450 or fewer so the DNS answer fits in 512 bytes (RFC 7208 section 3.4)`}},
		{"450 bytes is the limit", "v=spf1 -all x=" + strings.Repeat("a", 436), Policy{}, nil},
		{"451 bytes", "v=spf1 -all x=" + strings.Repeat("a", 437), Policy{},
			[]string{`warning: record is 451 bytes; keep it to 450 or fewer so the DNS answer fits in 512 bytes (RFC 7208 section 3.4)`}},
		{"all findings at once", "v=spf1 ptr mx mx +all a redirect=x.example redirect=y.example", Policy{},
			[]string{
				`term "ptr": ptr is slow and unreliable and RFC 7208 section 5.5 says not to use it; list the addresses with ip4/ip6 or use "a"`,
				`warning: term "mx": appears more than once; remove the duplicate`,
				`term "+all": "+all" lets any host send as this domain; use "-all"`,
				`term "a": comes after "+all" and is never evaluated; move it before "all" or remove it`,
				`term "redirect=y.example": redirect may appear only once (RFC 7208 section 6); remove the extra one`,
				`warning: term "redirect=x.example": redirect is ignored because the record has "+all" (RFC 7208 section 6.1); remove one of them`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := problemTexts(Check(r, tt.policy))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check(%q) =\n%s\nwant\n%s", tt.in, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
