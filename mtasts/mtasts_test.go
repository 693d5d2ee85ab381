package mtasts

import (
	"errors"
	"strings"
	"testing"
)

func TestPolicyTextAndID(t *testing.T) {
	p := Policy{Mode: Enforce, MX: []string{"inbound.mailgate.example.net", "*.mail.protection.outlook.com"}, MaxAge: DefaultMaxAge}
	want := "version: STSv1\r\nmode: enforce\r\nmx: inbound.mailgate.example.net\r\nmx: *.mail.protection.outlook.com\r\nmax_age: 604800\r\n"
	if p.Text() != want {
		t.Errorf("text %q", p.Text())
	}
	id := p.ID()
	if len(id) != 20 || strings.Trim(id, "0123456789abcdef") != "" || p.ID() != id {
		t.Errorf("id %q is not 20 stable hex digits", id)
	}
	q := p
	q.Mode = Testing
	if q.ID() == id {
		t.Error("the id did not change with the mode")
	}
	q = p
	q.MaxAge = 86400
	if q.ID() == id {
		t.Error("the id did not change with max_age")
	}
	if Record(id) != "v=STSv1; id="+id {
		t.Errorf("record %q", Record(id))
	}
	back, err := Parse(strings.ReplaceAll(p.Text(), "\r\n", "\n")) // LF, as some hosts rewrite it
	if err != nil || len(Diff(p, back)) != 0 {
		t.Errorf("round trip: %v %v", err, Diff(p, back))
	}
}

func TestParseRefuses(t *testing.T) {
	for text, want := range map[string]string{
		"<html>not found</html>":                              "not key: value",
		"version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n":  "version",
		"version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n":   "mode",
		"version: STSv1\nmode: enforce\nmx: a\nmax_age: -1\n": "max_age",
		"version: STSv1\nmode: enforce\nmax_age: 86400\n":     "no mx line",
	} {
		if _, err := Parse(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	if _, err := Parse("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n"); err != nil {
		t.Errorf("mode none without mx (RFC 8461 §8.3): %v", err)
	}
}

func TestCheckMX(t *testing.T) {
	host := func(s string) error {
		if strings.Contains(s, "_") {
			return errors.New("underscore")
		}
		return nil
	}
	for pat, ok := range map[string]bool{
		"inbound.mailgate.example.net": true, "*.mail.protection.outlook.com": true,
		"mx*.example.net": false, "*.*.example.net": false, "mail_1.example.net": false, "mx.example.net.": false,
	} {
		if got := CheckMX(pat, host) == ""; got != ok {
			t.Errorf("%s: ok %v, want %v", pat, got, ok)
		}
	}
}
