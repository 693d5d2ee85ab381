package dmarc

import (
	"reflect"
	"strings"
	"testing"
)

func intp(i int) *int { return &i }

func TestSpecRender(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"policy only", Spec{Policy: "reject"}, "v=DMARC1; p=reject"},
		{"fixed order", Spec{
			PSD: "n", Testing: true, FO: "1", RUF: []string{"mailto:f@example.com"},
			RUA: []string{"mailto:a@example.com", "mailto:b@example.net!10m"}, RI: intp(3600), RF: "afrf", PCT: intp(50),
			ASPF: "s", ADKIM: "s", NonexistentPolicy: "reject", SubdomainPolicy: "quarantine", Policy: "none",
		}, "v=DMARC1; p=none; sp=quarantine; np=reject; adkim=s; aspf=s; pct=50; rf=afrf; ri=3600; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; fo=1; t=y; psd=n"},
		{"pct zero is written", Spec{Policy: "none", PCT: intp(0)}, "v=DMARC1; p=none; pct=0"},
		{"parked", Spec{Policy: "reject", SubdomainPolicy: "reject"}, "v=DMARC1; p=reject; sp=reject"},
		{"empty spec", Spec{}, "v=DMARC1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Render(); got != tt.want {
				t.Errorf("Render() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSpecCheck(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"clean", Spec{Policy: "quarantine", RUA: []string{"mailto:dmarc@example.net"}}, nil},
		{"missing policy", Spec{}, []string{`p is required; add p=none, p=quarantine or p=reject`}},
		{"bad policy", Spec{Policy: "block"}, []string{`term "p=block": p must be none, quarantine or reject`}},
		{"bad rua", Spec{Policy: "none", RUA: []string{"mailto:ok@example.com", "https://example.com"}},
			[]string{`term "rua=mailto:ok@example.com,https://example.com": "https://example.com" uses the https: scheme; DMARC reports are sent only to mailto: URIs`}},
		{"removed tags warn", Spec{Policy: "none", PCT: intp(10), RF: "afrf", RI: intp(86400)}, []string{
			`warning: term "pct=10": pct was removed in RFC 9989; use t=y while testing a policy, and remove pct`,
			`warning: term "rf=afrf": rf was removed in RFC 9989; remove it`,
			`warning: term "ri=86400": ri was removed in RFC 9989; remove it`,
		}},
		{"pct out of range", Spec{Policy: "none", PCT: intp(-1)}, []string{`warning: term "pct=-1": pct was removed in RFC 9989 and receivers ignore it (its value here is not a whole number 0-100 either); remove pct, and use t=y while testing a policy`}},
		{"bad psd and fo", Spec{Policy: "none", PSD: "yes", FO: "x"}, []string{
			`term "fo=x": fo must be 0, 1, d or s, or several of them joined with ":"`,
			`term "psd=yes": psd must be y, n or u`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := texts(tt.spec.Check()); !reflect.DeepEqual(got, tt.want) {
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
		{"builder output", "v=DMARC1; p=none; sp=quarantine; np=reject; adkim=s; aspf=s; pct=50; rf=afrf; ri=3600; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; fo=1; t=y; psd=n", true},
		{"minimal", "v=DMARC1; p=reject", true},
		{"canonical spacing", "v=DMARC1;p=reject;sp=reject;", true},
		{"keyword case folded", "v=DMARC1; p=REJECT", true},
		{"out of order", "v=DMARC1; rua=mailto:a@example.com; p=none", false},
		{"t=n cannot be built", "v=DMARC1; p=none; t=n", false},
		{"space after comma in rua", "v=DMARC1; p=none; rua=mailto:a@example.com, mailto:b@example.com", false},
		{"unknown tag", "v=DMARC1; p=none; x=y", false},
		{"pct with plus sign", "v=DMARC1; p=none; pct=+5", false},
		{"pct leading zero", "v=DMARC1; p=none; pct=05", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := Parse(tt.in)
			s, ok := FromRecord(r)
			if ok != tt.ok {
				t.Fatalf("FromRecord(%q) ok = %v, want %v (renders %q)", tt.in, ok, tt.ok, s.Render())
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
