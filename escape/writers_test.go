package escape

import (
	"bytes"
	"testing"
)

func TestCommandGuard(t *testing.T) {
	var b bytes.Buffer
	g := &CommandGuard{W: &b}
	for _, chunk := range []string{"zone contoso.com: no changes\n  ::add-mask", "::x\n::error::pwned\nok\n", "   ::stop-commands::t"} {
		g.Write([]byte(chunk))
	}
	g.Flush()
	want := "zone contoso.com: no changes\n\\  ::add-mask::x\n\\::error::pwned\nok\n\\   ::stop-commands::t"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

func TestRedact(t *testing.T) {
	secrets := []string{"cf-T0ken\"x", "abc"} // "abc" is too short to redact
	got := string(Redact([]byte(`token cf-T0ken"x, as JSON "cf-T0ken\"x", abc`), secrets))
	if want := `token [redacted], as JSON "[redacted]", abc`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var b bytes.Buffer
	live := []string{}
	r := Redactor{W: &b, Secrets: &live}
	r.Write([]byte("before cf-T0ken\"x\n"))
	live = append(live, "cf-T0ken\"x")
	r.Write([]byte("after cf-T0ken\"x\n"))
	if want := "before cf-T0ken\"x\nafter [redacted]\n"; b.String() != want {
		t.Errorf("Redactor: got %q, want %q", b.String(), want)
	}
}
