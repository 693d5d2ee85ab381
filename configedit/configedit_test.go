package configedit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const src = `# Customers of the Lisbon office
version: 1
providers: {files: {type: zonefile, directory: zones}}   # zone repository
domains:
  contoso.com:   # Microsoft 365
    mx: contoso-com.mail.protection.outlook.com
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
      mz202606: {key_file: keys/contoso.com/mz202606.pub.pem, created: 2026-06-01}   # rotate in December
  fabrikam.com: {mx: fabrikam-com.mail.protection.outlook.com, dkim: {s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}}}
  northwind.com:
    mx: "inbound.mailgate.example.net"

# end
`

func open(t *testing.T, text string) *File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mailzone.yaml")
	os.WriteFile(p, []byte(text), 0o644)
	f, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEditsKeepEveryOtherByte: each edit inserts or replaces exactly one run
// of text; the rest of the file is byte-identical.
func TestEditsKeepEveryOtherByte(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(f *File) ([]byte, error)
		ins  string // the text that replaced (or was inserted at) one run
		was  string // the text it replaced
	}{
		{"selector into a block dkim", func(f *File) ([]byte, error) {
			return f.AddSelector("contoso.com", "mz202612", "{key_file: k.pub.pem}")
		}, "      mz202612: {key_file: k.pub.pem}\n", ""},
		{"selector into a flow dkim", func(f *File) ([]byte, error) {
			return f.AddSelector("fabrikam.com", "mz202612", "{key_file: k.pub.pem}")
		}, ", mz202612: {key_file: k.pub.pem}", ""},
		{"dkim into a domain without one", func(f *File) ([]byte, error) {
			return f.AddSelector("northwind.com", "mz202612", "{key_file: k.pub.pem}")
		}, "    dkim:\n      mz202612: {key_file: k.pub.pem}\n", ""},
		{"revoke a selector, comment kept", func(f *File) ([]byte, error) {
			return f.ReplaceSelector("contoso.com", "mz202606", "{revoked: true}")
		}, "revoked: true", "key_file: keys/contoso.com/mz202606.pub.pem, created: 2026-06-01"},
		{"a domain at the end of domains", func(f *File) ([]byte, error) {
			return f.AddEntries([][]string{{"tailspin.com:", "  mx: inbound.mailgate.example.net"}})
		}, "  tailspin.com:\n    mx: inbound.mailgate.example.net\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.edit(open(t, src))
			if err != nil {
				t.Fatal(err)
			}
			got := string(out)
			if !strings.Contains(got, tt.ins) || strings.Replace(got, tt.ins, tt.was, 1) != src {
				t.Errorf("the edit is not exactly %q in place of %q:\n%s", tt.ins, tt.was, got)
			}
		})
	}
}

func TestFlowClose(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{`{a: "}", b: '}'''} tail`, 17},
		{"{a: [1, {b: 2}], # }\n c: 3}", 26},
		{"{unclosed", -1},
	} {
		if got := flowClose(tt.text, 0); got != tt.want {
			t.Errorf("flowClose(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestScalar(t *testing.T) {
	for in, want := range map[string]string{
		"contoso.com": "contoso.com", "2026-12-01": `"2026-12-01"`, "a b": `"a b"`, "line\nbreak": `"line\nbreak"`,
	} {
		if got := Scalar(in); got != want {
			t.Errorf("Scalar(%q) = %s, want %s", in, got, want)
		}
	}
}
