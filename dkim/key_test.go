package dkim

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
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

func TestParseKey(t *testing.T) {
	rsa2048 := spki(t, &rsaKey(t, 2048).PublicKey)
	rsa4096 := spki(t, &rsaKey(t, 4096).PublicKey)
	rsa1024 := spki(t, &rsaKey(t, 1024).PublicKey)
	rsa768 := spki(t, &rsaKey(t, 768).PublicKey)
	ed := []byte(edPublic())
	tests := []struct {
		name  string
		in    string
		alg   string
		bits  int
		pub   []byte
		probs []string
	}{
		{"RSA SubjectPublicKeyInfo", b64(rsa2048), "rsa", 2048, rsa2048, nil},
		{"RSA 4096", b64(rsa4096), "rsa", 4096, rsa4096, nil},
		{"whitespace and newlines inside base64", "  " + wrap(b64(rsa2048), 64) + "\n", "rsa", 2048, rsa2048, nil},
		{"PKCS #1 RSAPublicKey becomes SubjectPublicKeyInfo", b64(x509.MarshalPKCS1PublicKey(&rsaKey(t, 2048).PublicKey)), "rsa", 2048, rsa2048, nil},
		{"PEM PUBLIC KEY", pemText("PUBLIC KEY", rsa2048), "rsa", 2048, rsa2048, nil},
		{"PEM RSA PUBLIC KEY", pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsaKey(t, 2048).PublicKey)), "rsa", 2048, rsa2048, nil},
		{"RSA 1024 warns", b64(rsa1024), "rsa", 1024, rsa1024, []string{"warning: RSA key has 1024 bits; 2048 are recommended"}},
		{"RSA 768 is an error", b64(rsa768), "rsa", 768, rsa768, []string{"RSA key has 768 bits; at least 1024 are required (2048 recommended)"}},
		{"Ed25519 raw", b64(ed), "ed25519", 256, ed, nil},
		{"Ed25519 raw without padding", strings.TrimRight(b64(ed), "="), "ed25519", 256, ed, nil},
		{"Ed25519 SubjectPublicKeyInfo PEM gives raw key", pemText("PUBLIC KEY", spki(t, edPublic())), "ed25519", 256, ed, nil},
		{"Ed25519 SubjectPublicKeyInfo base64 gives raw key", b64(spki(t, edPublic())), "ed25519", 256, ed, nil},
		{"RFC 8463 example key", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "ed25519", 256, nil, nil},
		{"empty", "", "", 0, nil, []string{`the public key is neither base64 nor PEM (it is empty); give the base64 p= value or a "PUBLIC KEY" PEM block`}},
		{"not base64", "not a key!", "", 0, nil, []string{`the public key is neither base64 nor PEM (it is not valid base64); give the base64 p= value or a "PUBLIC KEY" PEM block`}},
		{"Ed25519 one byte short", b64(ed[:31]), "", 0, nil, []string{"the key is 31 bytes that are neither an RSA public key (SubjectPublicKeyInfo or PKCS #1) nor a 32-byte Ed25519 key"}},
		{"truncated RSA key", b64(rsa2048[:200]), "", 0, nil, []string{"the key is 200 bytes that are neither an RSA public key (SubjectPublicKeyInfo or PKCS #1) nor a 32-byte Ed25519 key"}},
		{"ECDSA key", b64(spki(t, &ecdsaKey(t).PublicKey)), "", 0, nil, []string{"ECDSA keys cannot be used with DKIM; use RSA or Ed25519"}},
		{"private key pasted", pemText("PRIVATE KEY", pkcs8(t, rsaKey(t, 1024))), "", 0, nil, []string{"this is a private key, which must never be published or pasted into the configuration; give the public key"}},
		{"PEM of another type", pemText("CERTIFICATE", []byte{1, 2, 3}), "", 0, nil, []string{`the PEM block is of type "CERTIFICATE"; give a "PUBLIC KEY" block`}},
		{"PEM body is not a key", pemText("PUBLIC KEY", []byte{1, 2, 3}), "", 0, nil, []string{`the "PUBLIC KEY" block is not an RSA or Ed25519 SubjectPublicKeyInfo`}},
		{"PEM truncated", "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n", "", 0, nil, []string{`the PEM block is malformed; give the base64 p= value or a complete "PUBLIC KEY" PEM block`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, problems := ParseKey(tt.in)
			if got := texts(problems); !reflect.DeepEqual(got, tt.probs) {
				t.Errorf("problems = %q, want %q", got, tt.probs)
			}
			if k.Algorithm != tt.alg || k.Bits != tt.bits {
				t.Errorf("key = %s/%d, want %s/%d", k.Algorithm, k.Bits, tt.alg, tt.bits)
			}
			if tt.pub != nil && !bytes.Equal(k.Public, tt.pub) {
				t.Errorf("Public differs from the expected p= bytes")
			}
		})
	}
}

func TestKeyRecord(t *testing.T) {
	// RFC 8463 appendix A.2.
	k, problems := ParseKey("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if got, want := k.Record(), "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="; got != want {
		t.Errorf("Record() = %q, want %q", got, want)
	}
	// The RSA key of RFC 6376 appendix C, republished in RFC 8463 appendix A.2.
	const brisbane = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
	k, problems = ParseKey(wrap(brisbane, 40))
	if got, want := texts(problems), []string{"warning: RSA key has 1024 bits; 2048 are recommended"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
	if got, want := k.Record(), "v=DKIM1; k=rsa; p="+brisbane; got != want {
		t.Errorf("Record() = %q, want %q", got, want)
	}
	if got := (Key{}).Record(); got != "" {
		t.Errorf("zero Key renders %q", got)
	}
	if got := Revoked(); got != "v=DKIM1; p=" {
		t.Errorf("Revoked() = %q", got)
	}
}

func TestLoadKeyFile(t *testing.T) {
	priv2048 := rsaKey(t, 2048)
	rsa2048 := spki(t, &priv2048.PublicKey)
	ed := []byte(edPublic())
	encrypted := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"},
		Bytes:   x509.MarshalPKCS1PrivateKey(priv2048)}))
	corrupt := pkcs8(t, priv2048)
	corrupt = corrupt[:len(corrupt)/2]
	tests := []struct {
		name  string
		in    string
		alg   string
		bits  int
		pub   []byte
		probs []string
	}{
		{"PKCS #8 RSA private key", pemText("PRIVATE KEY", pkcs8(t, priv2048)), "rsa", 2048, rsa2048, nil},
		{"PKCS #1 RSA private key", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(priv2048)), "rsa", 2048, rsa2048, nil},
		{"PKCS #8 Ed25519 private key", pemText("PRIVATE KEY", pkcs8(t, edPrivate())), "ed25519", 256, ed, nil},
		{"public key", pemText("PUBLIC KEY", rsa2048), "rsa", 2048, rsa2048, nil},
		{"RSA public key", pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&priv2048.PublicKey)), "rsa", 2048, rsa2048, nil},
		{"text before the block, as openssl writes", "Bag Attributes\n    localKeyID: 01\n" + pemText("PRIVATE KEY", pkcs8(t, priv2048)), "rsa", 2048, rsa2048, nil},
		{"certificate first, key second", pemText("CERTIFICATE", []byte{1}) + pemText("PRIVATE KEY", pkcs8(t, priv2048)), "rsa", 2048, rsa2048, nil},
		{"plain base64 file", b64(rsa2048) + "\n", "rsa", 2048, rsa2048, nil},
		{"768-bit private key", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey(t, 768))), "rsa", 768, nil,
			[]string{"RSA key has 768 bits; at least 1024 are required (2048 recommended)"}},
		{"1024-bit private key", pemText("PRIVATE KEY", pkcs8(t, rsaKey(t, 1024))), "rsa", 1024, nil,
			[]string{"warning: RSA key has 1024 bits; 2048 are recommended"}},
		{"encrypted PKCS #8", pemText("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), "", 0, nil,
			[]string{"the private key is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) or give the public key"}},
		{"encrypted legacy PEM", encrypted, "", 0, nil,
			[]string{"the private key is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) or give the public key"}},
		{"EC private key", pemText("EC PRIVATE KEY", []byte{1}), "", 0, nil, []string{"EC keys cannot be used with DKIM; use RSA or Ed25519"}},
		{"ECDSA in PKCS #8", pemText("PRIVATE KEY", pkcs8(t, ecdsaKey(t))), "", 0, nil, []string{"ECDSA keys cannot be used with DKIM; use RSA or Ed25519"}},
		{"corrupt PKCS #8", pemText("PRIVATE KEY", corrupt), "", 0, nil, []string{`the "PRIVATE KEY" block is not a valid PKCS #8 private key`}},
		{"corrupt PKCS #1", pemText("RSA PRIVATE KEY", corrupt), "", 0, nil, []string{`the "RSA PRIVATE KEY" block is not a valid PKCS #1 RSA private key`}},
		{"only a certificate", pemText("CERTIFICATE", []byte{1}), "", 0, nil,
			[]string{`the file holds PEM blocks of type CERTIFICATE but no "PUBLIC KEY", "PRIVATE KEY" or "RSA PRIVATE KEY"`}},
		{"broken PEM", "-----BEGIN PRIVATE KEY-----\nMIIE\n", "", 0, nil,
			[]string{`the PEM block is malformed; give the base64 p= value or a complete "PUBLIC KEY" PEM block`}},
		{"empty file", "", "", 0, nil,
			[]string{`the public key is neither base64 nor PEM (it is empty); give the base64 p= value or a "PUBLIC KEY" PEM block`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, problems := LoadKeyFile([]byte(tt.in))
			if got := texts(problems); !reflect.DeepEqual(got, tt.probs) {
				t.Errorf("problems = %q, want %q", got, tt.probs)
			}
			if k.Algorithm != tt.alg || k.Bits != tt.bits {
				t.Errorf("key = %s/%d, want %s/%d", k.Algorithm, k.Bits, tt.alg, tt.bits)
			}
			if tt.pub != nil && !bytes.Equal(k.Public, tt.pub) {
				t.Errorf("Public differs from the expected p= bytes")
			}
			if strings.Contains(tt.in, "PRIVATE KEY") {
				assertNoSecret(t, tt.in, problems)
			}
		})
	}
}

// assertNoSecret checks that no 12-character run of the PEM body appears in
// any message. (The record is left out: it holds the public modulus, which
// the private key file also holds.)
func assertNoSecret(t *testing.T, in string, problems []Problem) {
	t.Helper()
	var out strings.Builder
	for _, p := range problems {
		out.WriteString(p.Error())
	}
	for _, line := range strings.Split(in, "\n") {
		if strings.HasPrefix(line, "-----") || strings.Contains(line, ":") {
			continue
		}
		for i := 0; i+12 <= len(line); i += 4 {
			if strings.Contains(out.String(), line[i:i+12]) {
				t.Fatalf("a message holds key file text %q", line[i:i+12])
			}
		}
	}
}
