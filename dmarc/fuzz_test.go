package dmarc

import (
	"reflect"
	"testing"
)

func hasError(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		";",
		"v=DMARC1; p=none",
		"v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m",
		"v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; ruf=mailto:f@example.com; fo=d:s; t=y; psd=n",
		"  v = DMARC1 ;P= Reject ;\t",
		"p=none; v=DMARC1; p=reject; pct=200; rf=iodef; ri=x; foo=bar;; =;x",
		"v=DMARC1; p=none; rua=mailto:d%2Dmarc@example.com, https://x, dmarc@example.com!",
		"v=DMARC1; p=none; rua=mailto:<a@example.com>,mailto:\"a b\"@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, problems := Parse(s)
		if r == nil {
			t.Fatal("nil record")
		}
		for _, p := range problems {
			if p.Msg == "" {
				t.Fatalf("empty message in %+v", p)
			}
		}
		if hasError(problems) {
			return
		}
		text := r.String()
		r2, problems2 := Parse(text)
		if hasError(problems2) {
			t.Fatalf("Parse(%q) ok, but its String %q has problems %v", s, text, problems2)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("String() changed the record:\n%+v\n%+v", r.Tags, r2.Tags)
		}
		if spec, ok := FromRecord(r); ok {
			if spec.Render() != text {
				t.Fatalf("FromRecord(%q) renders %q", text, spec.Render())
			}
			if hasError(spec.Check()) {
				t.Fatalf("Spec.Check finds errors in %q", text)
			}
		}
	})
}
