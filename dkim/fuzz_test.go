package dkim

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParse feeds the same input to ParseRecord, ParseKey and LoadKeyFile.
// None may panic; a record without errors must survive String and parse
// again to an equal value; a key without errors must survive Record.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"v=DKIM1; p=",
		"v=DKIM1; k=ed25519; p=" + rfc8463,
		"v=DKIM1; p=" + brisbane,
		"v=DKIM1; h=sha1:sha256; s=email:*; t=y:s; n=notes; k=rsa; p=" + brisbane,
		"k=rsa; v=DKIM2; p=; p=AAAA; x; _=1;;",
		"V=DKIM1; k=ed25519; p=AAAA",
		rfc8463,
		brisbane,
		"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nMIIE\n",
		"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, problems := ParseRecord(s)
		if r == nil {
			t.Fatal("nil record")
		}
		if !hasError(problems) {
			text := r.String()
			r2, problems2 := ParseRecord(text)
			if hasError(problems2) {
				t.Fatalf("ParseRecord(%q) ok, but its String %q has problems %v", s, text, problems2)
			}
			if !reflect.DeepEqual(r, r2) {
				t.Fatalf("String() changed the record:\n%+v\n%+v", r.Tags, r2.Tags)
			}
		}
		for _, load := range []func(string) (Key, []Problem){ParseKey, func(s string) (Key, []Problem) { return LoadKeyFile([]byte(s)) }} {
			k, kp := load(s)
			for _, p := range kp {
				if p.Msg == "" {
					t.Fatal("empty message")
				}
			}
			if hasError(kp) {
				continue
			}
			rec, rp := ParseRecord(k.Record())
			if hasError(rp) {
				t.Fatalf("key from %q renders %q with problems %v", s, k.Record(), rp)
			}
			k2, _ := rec.Key()
			if k2.Algorithm != k.Algorithm || !bytes.Equal(k2.Public, k.Public) {
				t.Fatalf("key changed through its record %q", k.Record())
			}
		}
		_ = ValidSelector(s)
	})
}

func hasError(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}
