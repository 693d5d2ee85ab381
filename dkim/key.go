package dkim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Key is a DKIM public key.
type Key struct {
	// Algorithm is "rsa" or "ed25519", the k= value.
	Algorithm string
	// Bits is the RSA modulus size, or 256 for Ed25519.
	Bits int
	// Public holds the bytes published in p=: the DER SubjectPublicKeyInfo
	// for RSA, the raw 32-byte key for Ed25519 (RFC 8463).
	Public []byte
}

// Record renders the key's TXT record, "v=DKIM1; k=rsa; p=<base64>" or
// "v=DKIM1; k=ed25519; p=<base64>". A zero Key renders "".
func (k Key) Record() string {
	if k.Algorithm == "" {
		return ""
	}
	return "v=DKIM1; k=" + k.Algorithm + "; p=" + base64.StdEncoding.EncodeToString(k.Public)
}

// Revoked returns the record of a revoked key, "v=DKIM1; p=" (RFC 6376
// section 3.6.1).
func Revoked() string { return "v=DKIM1; p=" }

// ParseKey reads a public key given as base64 of a DER SubjectPublicKeyInfo
// (RSA or Ed25519) or of a PKCS #1 RSAPublicKey, as base64 of a raw 32-byte
// Ed25519 key, or as a PEM "PUBLIC KEY" or "RSA PUBLIC KEY" block.
// Whitespace inside base64 is ignored. RSA keys under 1024 bits are errors
// and under 2048 bits warnings.
func ParseKey(s string) (Key, []Problem) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return Key{}, fail(`the PEM block is malformed; give the base64 p= value or a complete "PUBLIC KEY" PEM block`)
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return Key{}, fail("this is a private key, which must never be published or pasted into the configuration; give the public key")
		}
		return fromPEMPublic(block)
	}
	der, err := decodeBase64(s)
	if err != nil {
		return Key{}, fail(fmt.Sprintf(`the public key is neither base64 nor PEM (%v); give the base64 p= value or a "PUBLIC KEY" PEM block`, err))
	}
	return fromDER(der)
}

// LoadKeyFile reads a PEM file holding a public key ("PUBLIC KEY", "RSA
// PUBLIC KEY") or a private key ("PRIVATE KEY" in PKCS #8, "RSA PRIVATE
// KEY" in PKCS #1), and returns the public key; from a private key it is
// derived. A file without PEM blocks is read as by ParseKey.
func LoadKeyFile(data []byte) (Key, []Problem) {
	rest := data
	var other []string
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "PUBLIC KEY", "RSA PUBLIC KEY":
			return fromPEMPublic(block)
		case "PRIVATE KEY", "RSA PRIVATE KEY":
			return fromPEMPrivate(block)
		case "ENCRYPTED PRIVATE KEY":
			return Key{}, fail("the private key is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) or give the public key")
		case "EC PRIVATE KEY", "EC PUBLIC KEY":
			return Key{}, fail("EC keys cannot be used with DKIM; use RSA or Ed25519")
		default:
			other = append(other, block.Type)
		}
	}
	if len(other) > 0 {
		return Key{}, fail(fmt.Sprintf(`the file holds PEM blocks of type %s but no "PUBLIC KEY", "PRIVATE KEY" or "RSA PRIVATE KEY"`, strings.Join(other, ", ")))
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return Key{}, fail(`the PEM block is malformed; give the base64 p= value or a complete "PUBLIC KEY" PEM block`)
	}
	return ParseKey(string(data))
}

func fromPEMPublic(block *pem.Block) (Key, []Problem) {
	if len(block.Headers) > 0 {
		return Key{}, fail("the PEM block has headers; give a plain public key block")
	}
	if block.Type == "RSA PUBLIC KEY" {
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return Key{}, fail(`the "RSA PUBLIC KEY" block is not a PKCS #1 RSA public key`)
		}
		return fromPublic(pub)
	}
	if block.Type != "PUBLIC KEY" {
		return Key{}, fail(fmt.Sprintf(`the PEM block is of type %q; give a "PUBLIC KEY" block`, block.Type))
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return Key{}, fail(`the "PUBLIC KEY" block is not an RSA or Ed25519 SubjectPublicKeyInfo`)
	}
	return fromPublic(pub)
}

// fromPEMPrivate derives the public key. Errors name only the format, never
// the content or the parser's own message.
func fromPEMPrivate(block *pem.Block) (Key, []Problem) {
	if _, ok := block.Headers["Proc-Type"]; ok {
		return Key{}, fail("the private key is encrypted; decrypt it (openssl pkey -in key.pem -out plain.pem) or give the public key")
	}
	if block.Type == "RSA PRIVATE KEY" {
		priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return Key{}, fail(`the "RSA PRIVATE KEY" block is not a valid PKCS #1 RSA private key`)
		}
		return fromPublic(&priv.PublicKey)
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fail(`the "PRIVATE KEY" block is not a valid PKCS #8 private key`)
	}
	switch priv := priv.(type) {
	case *rsa.PrivateKey:
		return fromPublic(&priv.PublicKey)
	case ed25519.PrivateKey:
		return fromPublic(priv.Public())
	default:
		return Key{}, fail(fmt.Sprintf("%s keys cannot be used with DKIM; use RSA or Ed25519", keyKind(priv)))
	}
}

// fromDER reads decoded p= bytes of any accepted form.
func fromDER(der []byte) (Key, []Problem) {
	if len(der) == ed25519.PublicKeySize {
		return Key{Algorithm: "ed25519", Bits: 256, Public: der}, nil
	}
	if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
		return fromPublic(pub)
	}
	if pub, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return fromPublic(pub)
	}
	return Key{}, fail(fmt.Sprintf("the key is %d bytes that are neither an RSA public key (SubjectPublicKeyInfo or PKCS #1) nor a 32-byte Ed25519 key", len(der)))
}

func fromPublic(pub any) (Key, []Problem) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return Key{}, fail("the RSA public key cannot be encoded")
		}
		k := Key{Algorithm: "rsa", Bits: pub.N.BitLen(), Public: der}
		switch {
		case k.Bits < 1024:
			return k, fail(fmt.Sprintf("RSA key has %d bits; at least 1024 are required (2048 recommended)", k.Bits))
		case k.Bits < 2048:
			return k, []Problem{{Severity: Warning, Msg: fmt.Sprintf("RSA key has %d bits; 2048 are recommended", k.Bits)}}
		}
		return k, nil
	case ed25519.PublicKey:
		return Key{Algorithm: "ed25519", Bits: 256, Public: []byte(pub)}, nil
	default:
		return Key{}, fail(fmt.Sprintf("%s keys cannot be used with DKIM; use RSA or Ed25519", keyKind(pub)))
	}
}

func keyKind(k any) string {
	switch k.(type) {
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		return "ECDSA"
	}
	return "these"
}

// decodeBase64 decodes base64 with any whitespace inside, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return nil, errors.New("it is empty")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil && !strings.HasSuffix(s, "=") {
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
	}
	if err != nil {
		return nil, errors.New("it is not valid base64")
	}
	return b, nil
}

func fail(msg string) []Problem {
	return []Problem{{Severity: Error, Msg: msg}}
}
