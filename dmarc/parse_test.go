package dmarc

import (
	"reflect"
	"strings"
	"testing"
)

func texts(ps []Problem) []string {
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

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // canonical String()
		errs []string
	}{
		{"minimal", "v=DMARC1; p=none", "v=DMARC1; p=none", nil},
		{"RFC 7489 appendix B.2.1 example", "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com",
			"v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com", nil},
		{"RFC 7489 appendix B.2.3 example with size limit",
			"v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m",
			"v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m", nil},
		{"every current tag", "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; rua=mailto:a@example.com; ruf=mailto:f@example.com; fo=d:s; t=y; psd=n",
			"v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; aspf=r; rua=mailto:a@example.com; ruf=mailto:f@example.com; fo=d:s; t=y; psd=n", nil},
		{"whitespace and trailing separator", "  v = DMARC1 ;p= reject ;\t", "v=DMARC1; p=reject", nil},
		{"tag names and keywords are case-insensitive", "v=DMARC1; P=Reject; ADKIM=S; Fo=D", "v=DMARC1; p=reject; adkim=s; fo=d", nil},
		{"mailto scheme is case-insensitive, spaces after comma", "v=DMARC1; p=none; rua=MAILTO:a@example.com, mailto:b@example.com!5",
			"v=DMARC1; p=none; rua=MAILTO:a@example.com, mailto:b@example.com!5", nil},
		{"percent-encoded address", "v=DMARC1; p=none; rua=mailto:d%2Dmarc@example.com", "v=DMARC1; p=none; rua=mailto:d%2Dmarc@example.com", nil},
		{"psd u", "v=DMARC1; p=reject; psd=u", "v=DMARC1; p=reject; psd=u", nil},

		{"empty", "", "", []string{`record is empty; start it with "v=DMARC1"`}},
		{"only separators", " ; ;", "", []string{`record is empty; start it with "v=DMARC1"`}},
		{"v not first", "p=none; v=DMARC1", "p=none; v=DMARC1", []string{
			`record must start with "v=DMARC1"`,
			`term "v=DMARC1": v=DMARC1 must be the first tag`,
		}},
		{"no v at all", "p=none", "p=none", []string{`record must start with "v=DMARC1"`}},
		{"version in lower case", "v=dmarc1; p=none", "v=dmarc1; p=none", []string{`term "v=dmarc1": version must be exactly "DMARC1"`}},
		{"version 2", "v=DMARC2; p=none", "v=DMARC2; p=none", []string{`term "v=DMARC2": version must be exactly "DMARC1"`}},
		{"missing p", "v=DMARC1; rua=mailto:a@example.com", "v=DMARC1; rua=mailto:a@example.com", []string{`p is required; add p=none, p=quarantine or p=reject`}},
		{"bad p", "v=DMARC1; p=rejected", "v=DMARC1; p=rejected", []string{`term "p=rejected": p must be none, quarantine or reject`}},
		{"empty p", "v=DMARC1; p=", "v=DMARC1; p=", []string{`term "p=": p must be none, quarantine or reject`}},
		{"bad sp", "v=DMARC1; p=none; sp=block", "v=DMARC1; p=none; sp=block", []string{`term "sp=block": sp must be none, quarantine or reject`}},
		{"bad np", "v=DMARC1; p=none; np=yes", "v=DMARC1; p=none; np=yes", []string{`term "np=yes": np must be none, quarantine or reject`}},
		{"bad adkim", "v=DMARC1; p=none; adkim=strict", "v=DMARC1; p=none; adkim=strict", []string{`term "adkim=strict": adkim must be r (relaxed) or s (strict)`}},
		{"bad aspf", "v=DMARC1; p=none; aspf=x", "v=DMARC1; p=none; aspf=x", []string{`term "aspf=x": aspf must be r (relaxed) or s (strict)`}},
		{"bad t", "v=DMARC1; p=none; t=yes", "v=DMARC1; p=none; t=yes", []string{`term "t=yes": t must be y (testing) or n`}},
		{"bad psd", "v=DMARC1; p=none; psd=maybe", "v=DMARC1; p=none; psd=maybe", []string{`term "psd=maybe": psd must be y, n or u`}},
		{"bad fo", "v=DMARC1; p=none; fo=0:2", "v=DMARC1; p=none; fo=0:2", []string{`term "fo=0:2": fo must be 0, 1, d or s, or several of them joined with ":"`}},
		{"fo with comma", "v=DMARC1; p=none; fo=0,1", "v=DMARC1; p=none; fo=0,1", []string{`term "fo=0,1": fo must be 0, 1, d or s, or several of them joined with ":"`}},
		{"duplicate tag", "v=DMARC1; p=none; p=reject", "v=DMARC1; p=none", []string{`term "p=reject": p appears more than once; keep one`}},
		{"duplicate differs in case", "v=DMARC1; p=none; P=none", "v=DMARC1; p=none", []string{`term "P=none": p appears more than once; keep one`}},
		{"no equals sign", "v=DMARC1; p=none; reject", "v=DMARC1; p=none", []string{`term "reject": has no "="; write name=value`}},
		{"bad tag name", "v=DMARC1; p=none; 1x=y", "v=DMARC1; p=none", []string{`term "1x=y": tag name "1x" is not valid; use letters, digits and "_", starting with a letter`}},
		{"empty tag between separators", "v=DMARC1;; p=none", "v=DMARC1; p=none", []string{`warning: empty tag between ";" separators; remove the extra ";"`}},
		{"unknown tag", "v=DMARC1; p=none; foo=bar", "v=DMARC1; p=none; foo=bar", []string{`warning: term "foo=bar": unknown tag "foo" is ignored by receivers; remove it`}},
		{"pct removed", "v=DMARC1; p=quarantine; pct=25", "v=DMARC1; p=quarantine; pct=25", []string{`warning: term "pct=25": pct was removed in RFC 9989; use t=y while testing a policy, and remove pct`}},
		{"pct out of range", "v=DMARC1; p=none; pct=101", "v=DMARC1; p=none; pct=101", []string{`warning: term "pct=101": pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy`}},
		{"pct not a number", "v=DMARC1; p=none; pct=50%", "v=DMARC1; p=none; pct=50%", []string{`warning: term "pct=50%": pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy`}},
		{"rf removed", "v=DMARC1; p=none; rf=afrf", "v=DMARC1; p=none; rf=afrf", []string{`warning: term "rf=afrf": rf was removed in RFC 9989; remove it`}},
		{"rf unknown format", "v=DMARC1; p=none; rf=iodef", "v=DMARC1; p=none; rf=iodef", []string{`warning: term "rf=iodef": rf was removed in RFC 9989 and receivers ignore it (its value here is not afrf either); remove it`}},
		{"ri removed", "v=DMARC1; p=none; ri=86400", "v=DMARC1; p=none; ri=86400", []string{`warning: term "ri=86400": ri was removed in RFC 9989; remove it`}},
		{"ri not a number", "v=DMARC1; p=none; ri=1d", "v=DMARC1; p=none; ri=1d", []string{`warning: term "ri=1d": ri was removed in RFC 9989 and receivers ignore it (its value here is not a whole number of seconds either); remove it`}},
		{"rua empty", "v=DMARC1; p=none; rua=", "v=DMARC1; p=none; rua=", []string{`term "rua=": rua needs one or more mailto: URIs; give them or remove the tag`}},
		{"rua https", "v=DMARC1; p=none; rua=https://example.com/dmarc", "v=DMARC1; p=none; rua=https://example.com/dmarc", []string{`term "rua=https://example.com/dmarc": "https://example.com/dmarc" uses the https: scheme; DMARC reports are sent only to mailto: URIs`}},
		{"rua without scheme", "v=DMARC1; p=none; rua=dmarc@example.com", "v=DMARC1; p=none; rua=dmarc@example.com", []string{`term "rua=dmarc@example.com": "dmarc@example.com" needs the mailto: scheme; write mailto:dmarc@example.com`}},
		{"rua not a URI", "v=DMARC1; p=none; rua=reports", "v=DMARC1; p=none; rua=reports", []string{`term "rua=reports": "reports" is not a URI; write mailto:reports@example.com`}},
		{"rua bad address", "v=DMARC1; p=none; rua=mailto:dmarc", "v=DMARC1; p=none; rua=mailto:dmarc", []string{`term "rua=mailto:dmarc": "mailto:dmarc" is not a valid mailto: URI; write mailto:name@example.com`}},
		{"rua bad domain", "v=DMARC1; p=none; rua=mailto:d@example_com", "v=DMARC1; p=none; rua=mailto:d@example_com", []string{`term "rua=mailto:d@example_com": "mailto:d@example_com" is not a valid mailto: URI; write mailto:name@example.com`}},
		{"rua with display name", "v=DMARC1; p=none; rua=mailto:<d@example.com>", "v=DMARC1; p=none; rua=mailto:<d@example.com>", []string{`term "rua=mailto:<d@example.com>": "mailto:<d@example.com>" is not a valid mailto: URI; write mailto:name@example.com`}},
		{"rua bad escape", "v=DMARC1; p=none; rua=mailto:d%zz@example.com", "v=DMARC1; p=none; rua=mailto:d%zz@example.com", []string{`term "rua=mailto:d%zz@example.com": "mailto:d%zz@example.com" is not a valid mailto: URI; write mailto:name@example.com`}},
		{"rua bad size", "v=DMARC1; p=none; rua=mailto:d@example.com!10x", "v=DMARC1; p=none; rua=mailto:d@example.com!10x", []string{`term "rua=mailto:d@example.com!10x": size limit "!10x" in "mailto:d@example.com!10x" must be digits with an optional unit k, m, g or t`}},
		{"rua empty size", "v=DMARC1; p=none; rua=mailto:d@example.com!", "v=DMARC1; p=none; rua=mailto:d@example.com!", []string{`term "rua=mailto:d@example.com!": size limit "!" in "mailto:d@example.com!" must be digits with an optional unit k, m, g or t`}},
		{"rua empty element", "v=DMARC1; p=none; rua=mailto:a@example.com,", "v=DMARC1; p=none; rua=mailto:a@example.com,", []string{`term "rua=mailto:a@example.com,": rua has an empty URI; remove the extra ","`}},
		{"ruf every URI reported", "v=DMARC1; p=none; ruf=http://x.example,mailto:ok@example.com,ftp:y", "v=DMARC1; p=none; ruf=http://x.example,mailto:ok@example.com,ftp:y", []string{
			`term "ruf=http://x.example,mailto:ok@example.com,ftp:y": "http://x.example" uses the http: scheme; DMARC reports are sent only to mailto: URIs`,
			`term "ruf=http://x.example,mailto:ok@example.com,ftp:y": "ftp:y" uses the ftp: scheme; DMARC reports are sent only to mailto: URIs`,
		}},
		{"all problems at once", "p=bad; v=DMARC2; pct=200; x=1", "p=bad; v=DMARC2; pct=200; x=1", []string{
			`record must start with "v=DMARC1"`,
			`term "p=bad": p must be none, quarantine or reject`,
			`term "v=DMARC2": v=DMARC1 must be the first tag`,
			`term "v=DMARC2": version must be exactly "DMARC1"`,
			`warning: term "pct=200": pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy`,
			`warning: term "x=1": unknown tag "x" is ignored by receivers; remove it`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, problems := Parse(tt.in)
			if r == nil {
				t.Fatal("Parse returned a nil record")
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if got := texts(problems); !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
			}
		})
	}
}

func TestGet(t *testing.T) {
	r, _ := Parse("v=DMARC1; p=Reject; rua=mailto:a@example.com")
	if v, ok := r.Get("P"); !ok || v != "reject" {
		t.Errorf(`Get("P") = %q, %v`, v, ok)
	}
	if v, ok := r.Get("sp"); ok || v != "" {
		t.Errorf(`Get("sp") = %q, %v`, v, ok)
	}
}

func TestProblemError(t *testing.T) {
	if got := (Problem{Msg: "whole record"}).Error(); got != "whole record" {
		t.Errorf("got %q", got)
	}
	if got := (Problem{Term: "p=x", Msg: "bad"}).Error(); got != `term "p=x": bad` {
		t.Errorf("got %q", got)
	}
}

// TestParsePublished reads records as receivers read them from DNS.
func TestParsePublished(t *testing.T) {
	for _, tt := range []struct {
		in, out string
		want    []string
	}{
		{"v=DMARC1; rua=mailto:dmarc@contoso.com", "v=DMARC1; p=none; rua=mailto:dmarc@contoso.com",
			[]string{"warning: no p: with a valid rua, receivers read this record as p=none (RFC 9989 §4.7); write p=none"}},
		{"v=DMARC1; sp=reject", "v=DMARC1; sp=reject",
			[]string{"warning: no p and no valid rua: receivers ignore this record (RFC 9989 §4.7); add p=none, p=quarantine or p=reject"}},
		{"v=DMARC1; p=reject; pct=fifty; ri=daily; rf=iodef", "v=DMARC1; p=reject; pct=fifty; ri=daily; rf=iodef", []string{
			`warning: term "pct=fifty": pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy`,
			`warning: term "ri=daily": ri was removed in RFC 9989 and receivers ignore it (its value here is not a whole number of seconds either); remove it`,
			`warning: term "rf=iodef": rf was removed in RFC 9989 and receivers ignore it (its value here is not afrf either); remove it`}},
		{"V=DMARC1; P=quarantine", "v=DMARC1; p=quarantine", nil},
	} {
		r, problems := ParsePublished(tt.in)
		var got []string
		for _, p := range problems {
			if p.Severity == Warning {
				got = append(got, "warning: "+p.Error())
			} else {
				got = append(got, p.Error())
			}
		}
		if r.String() != tt.out || strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("ParsePublished(%q) = %q\n%s\nwant %q\n%s", tt.in, r.String(), strings.Join(got, "\n"), tt.out, strings.Join(tt.want, "\n"))
		}
	}
	// Desired state still needs p.
	if _, problems := Parse("v=DMARC1; rua=mailto:dmarc@contoso.com"); len(problems) == 0 || problems[len(problems)-1].Severity != Error {
		t.Error("Parse accepts a record without p")
	}
}
