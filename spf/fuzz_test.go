package spf

import (
	"reflect"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"v=spf1",
		"v=spf1 -all",
		"V=SpF1 ~all",
		"v=spf1 +mx a:colo.example.com/28 -all",
		"v=spf1 a/24//64 mx:example.com//0 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
		"v=spf1 ip6:::ffff:1.2.3.4/128 -all",
		"v=spf1 a:foo:bar/baz.example.com -all",
		"v=spf1 exists:%{i}.%{l2r-}.user.%{d2} -all",
		"v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
		"v=spf1 exp=explain.%{d} redirect=_spf.example.com",
		"v=spf1 moo.cow-far_out=man:dog/cat x= -all",
		"v=spf1 a:%{d0}.example.com %{",
		"v=spf1 ip4:1.2.3.4//32 a/24/64 ptr/0 -all. =all 1up=foo",
		"v=spf1 a:ctrl.example.com\rptr -all",
		"v=spf1 \x80a:example.net -all",
		"v=spf1 a:example.com/ a:example.com// a:x.com///64",
		"v=spf1 include:a include:b redirect=c redirect=d +all ?all all",
		"v=spf10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		_, all := parse(s)
		if (err == nil) != (len(all) == 0) {
			t.Fatalf("Parse error %v but parse found %d problems", err, len(all))
		}
		if err != nil {
			if _, ok := err.(Problem); !ok {
				t.Fatalf("error %T is not a Problem", err)
			}
			return
		}
		text := r.String()
		r2, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q fails: %v", s, text, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("String() changed the record:\n%+v\n%+v", r.Terms, r2.Terms)
		}
		if r2.String() != text {
			t.Fatalf("String() not stable: %q then %q", text, r2.String())
		}
		for _, p := range Check(r, Policy{}) {
			if p.Msg == "" {
				t.Fatalf("empty message in %+v", p)
			}
		}
		if spec, ok := FromRecord(r); ok {
			if spec.Render() != text {
				t.Fatalf("FromRecord(%q) renders %q", text, spec.Render())
			}
			if len(spec.Check(Policy{AllowSoftfail: true})) != len(Check(r, Policy{AllowSoftfail: true})) {
				t.Fatalf("Spec.Check and Check disagree on %q", text)
			}
		}
	})
}
