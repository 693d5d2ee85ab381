package dkim

import (
	"reflect"
	"strings"
	"testing"
)

// brisbane is the RSA key of RFC 6376 appendix C (1024 bits).
const brisbane = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

// rfc8463 is the Ed25519 key of RFC 8463 appendix A.2.
const rfc8463 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

func TestParseRecord(t *testing.T) {
	rsa2048 := b64(spki(t, &rsaKey(t, 2048).PublicKey))
	rsa768 := b64(spki(t, &rsaKey(t, 768).PublicKey))
	edSPKI := b64(spki(t, edPublic()))
	pkcs1 := b64(x509MarshalPKCS1(t))
	tests := []struct {
		name  string
		in    string
		probs []string
	}{
		{"RSA 2048", "v=DKIM1; k=rsa; p=" + rsa2048, nil},
		{"k defaults to rsa", "v=DKIM1; p=" + rsa2048, nil},
		{"v is optional", "p=" + rsa2048, nil},
		{"RFC 6376 appendix C record", "v=DKIM1; p=" + brisbane, []string{"warning: RSA key has 1024 bits; 2048 are recommended"}},
		{"RFC 8463 appendix A.2 record", "v=DKIM1; k=ed25519; p=" + rfc8463, nil},
		{"p folded with whitespace", "v=DKIM1; k=rsa; p=" + wrap(rsa2048, 60) + " ;", nil},
		{"revoked", "v=DKIM1; p=", nil},
		{"revoked with k", "v=DKIM1; k=rsa; p= ", nil},
		{"every known tag", "v=DKIM1; h=sha256; k=ed25519; n=test key; s=email; t=y:s; p=" + rfc8463, nil},
		{"h with sha1 and sha256", "v=DKIM1; h=sha1:sha256; p=" + rsa2048, nil},
		{"s is any service", "v=DKIM1; s=*; p=" + rsa2048, nil},

		{"empty", "", []string{`record is empty; write "v=DKIM1; k=rsa; p=<base64 public key>"`}},
		{"missing p", "v=DKIM1; k=rsa", []string{"p is required; give the base64 public key, or leave it empty (p=) to revoke the key"}},
		{"v not first", "k=rsa; v=DKIM1; p=", []string{`term "v=DKIM1": v=DKIM1 must be the first tag`}},
		{"wrong version", "v=DKIM2; p=", []string{`term "v=DKIM2": version must be exactly "DKIM1"`}},
		{"unknown key type", "v=DKIM1; k=dsa; p=AAAA", []string{`term "k=dsa": k must be rsa or ed25519`}},
		{"duplicate tag", "v=DKIM1; p=; p=" + rsa2048, []string{`term "p=` + rsa2048 + `": p appears more than once; keep one`}},
		{"no equals sign", "v=DKIM1; p=; rsa", []string{`term "rsa": has no "="; write name=value`}},
		{"bad tag name", "v=DKIM1; p=; _x=1", []string{`term "_x=1": tag name "_x" is not valid; use letters, digits and "_", starting with a letter`}},
		{"tag names are case-sensitive", "V=DKIM1; p=", []string{`warning: term "V=DKIM1": unknown tag "V" is ignored by verifiers; remove it`}},
		{"unknown tag", "v=DKIM1; g=*; p=", []string{`warning: term "g=*": unknown tag "g" is ignored by verifiers; remove it`}},
		{"empty tag", "v=DKIM1;; p=", []string{`warning: empty tag between ";" separators; remove the extra ";"`}},
		{"h only sha1", "v=DKIM1; h=sha1; p=" + rsa2048, []string{`term "h=sha1": h does not allow sha256, so verifiers will reject every signature made with this key (RFC 8301); use h=sha256 or remove h`}},
		{"h unknown algorithm", "v=DKIM1; h=sha256:sha512; p=" + rsa2048, []string{`warning: term "h=sha256:sha512": unknown hash algorithm "sha512" is ignored by verifiers`}},
		{"s not email", "v=DKIM1; s=xmpp; p=" + rsa2048, []string{`term "s=xmpp": s does not allow "email" or "*", so verifiers will not use this key for email; remove s or set s=email`}},
		{"unknown flag", "v=DKIM1; t=y:x; p=", []string{`warning: term "t=y:x": unknown flag "x" in t is ignored by verifiers`}},
		{"p not base64", "v=DKIM1; p=not*base64", []string{"p is not valid base64; give the base64 public key"}},
		{"RSA 768", "v=DKIM1; k=rsa; p=" + rsa768, []string{"RSA key has 768 bits; at least 1024 are required (2048 recommended)"}},
		{"Ed25519 short", "v=DKIM1; k=ed25519; p=" + b64(edPublic()[:31]), []string{"Ed25519 key is 31 bytes; p= must hold the raw 32-byte key (RFC 8463)"}},
		{"Ed25519 published as SubjectPublicKeyInfo", "v=DKIM1; k=ed25519; p=" + edSPKI, []string{"Ed25519 key is 44 bytes; p= must hold the raw 32-byte key (RFC 8463)"}},
		{"Ed25519 key under k=rsa", "v=DKIM1; p=" + edSPKI, []string{"p holds an Ed25519 key but k is rsa; set k=ed25519 and publish the raw 32-byte key"}},
		{"raw Ed25519 key without k", "v=DKIM1; p=" + rfc8463, []string{"p holds 32 bytes, the size of an Ed25519 key, but k is rsa; set k=ed25519"}},
		{"RSA key that is not a key", "v=DKIM1; p=AAAAAAAA", []string{"p holds 6 bytes that are not an RSA SubjectPublicKeyInfo"}},
		{"PKCS #1 key", "v=DKIM1; p=" + pkcs1, []string{"warning: p holds a PKCS #1 RSAPublicKey; most verifiers expect a SubjectPublicKeyInfo, so publish the key in that form"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, problems := ParseRecord(tt.in)
			if r == nil {
				t.Fatal("nil record")
			}
			if got := texts(problems); !reflect.DeepEqual(got, tt.probs) {
				t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.probs, "\n"))
			}
		})
	}
}

func TestRecordAccessors(t *testing.T) {
	tests := []struct {
		in               string
		revoked, testing bool
		alg              string
		bits             int
		keyProbs         []string
	}{
		{"v=DKIM1; p=", true, false, "", 0, []string{"the key is revoked (p= is empty)"}},
		{"v=DKIM1; t=y; p=" + brisbane, false, true, "rsa", 1024, []string{"warning: RSA key has 1024 bits; 2048 are recommended"}},
		{"v=DKIM1; t=s:y; k=ed25519; p=" + rfc8463, false, true, "ed25519", 256, nil},
		{"v=DKIM1; t=s; k=ed25519; p=" + rfc8463, false, false, "ed25519", 256, nil},
		{"v=DKIM1; k=rsa", false, false, "", 0, []string{"p is required; give the base64 public key, or leave it empty (p=) to revoke the key"}},
		{"v=DKIM1; k=dsa; p=AAAA", false, false, "", 0, []string{"k=dsa is not a key type mailzone can check; use rsa or ed25519"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, _ := ParseRecord(tt.in)
			if got := r.Revoked(); got != tt.revoked {
				t.Errorf("Revoked() = %v", got)
			}
			if got := r.Testing(); got != tt.testing {
				t.Errorf("Testing() = %v", got)
			}
			k, problems := r.Key()
			if k.Algorithm != tt.alg || k.Bits != tt.bits {
				t.Errorf("Key() = %s/%d, want %s/%d", k.Algorithm, k.Bits, tt.alg, tt.bits)
			}
			if got := texts(problems); !reflect.DeepEqual(got, tt.keyProbs) {
				t.Errorf("Key() problems = %q, want %q", got, tt.keyProbs)
			}
		})
	}
}

func TestRecordStringAndGet(t *testing.T) {
	r, _ := ParseRecord(" v = DKIM1 ;k=ed25519;p=" + rfc8463 + ";")
	if got, want := r.String(), "v=DKIM1; k=ed25519; p="+rfc8463; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if v, ok := r.Get("k"); !ok || v != "ed25519" {
		t.Errorf(`Get("k") = %q, %v`, v, ok)
	}
	if _, ok := r.Get("K"); ok {
		t.Error(`Get("K") found a tag; DKIM tag names are case-sensitive`)
	}
}

func TestKeyRecordParsesBack(t *testing.T) {
	for _, bits := range []int{1024, 2048, 4096} {
		k, _ := ParseKey(b64(spki(t, &rsaKey(t, bits).PublicKey)))
		r, problems := ParseRecord(k.Record())
		if bits >= 2048 && len(problems) > 0 {
			t.Errorf("%d bits: %v", bits, problems)
		}
		k2, _ := r.Key()
		if !reflect.DeepEqual(k, k2) {
			t.Errorf("%d bits: key changed through its record", bits)
		}
	}
	k, _ := ParseKey(b64(edPublic()))
	r, problems := ParseRecord(k.Record())
	k2, _ := r.Key()
	if len(problems) > 0 || !reflect.DeepEqual(k, k2) {
		t.Errorf("ed25519: %v, key changed: %v", problems, !reflect.DeepEqual(k, k2))
	}
}
