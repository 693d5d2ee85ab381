package dkim

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"strings"
	"sync"
	"testing"
)

// Test keys are generated once per test binary; 4096 bits takes about a
// second.
var (
	rsaOnce sync.Once
	rsaKeys map[int]*rsa.PrivateKey
	edOnce  sync.Once
	edKey   ed25519.PrivateKey
)

func rsaKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		rsaKeys = map[int]*rsa.PrivateKey{}
		// crypto/rsa refuses to generate keys under 1024 bits unless told
		// otherwise; only generation is relaxed, parsing runs as in
		// production.
		old, had := os.LookupEnv("GODEBUG")
		os.Setenv("GODEBUG", "rsa1024min=0")
		defer func() {
			if had {
				os.Setenv("GODEBUG", old)
			} else {
				os.Unsetenv("GODEBUG")
			}
		}()
		for _, n := range []int{768, 1024, 2048, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, n)
			if err != nil {
				panic(err)
			}
			rsaKeys[n] = k
		}
	})
	return rsaKeys[bits]
}

func edPrivate() ed25519.PrivateKey {
	edOnce.Do(func() {
		edKey = ed25519.NewKeyFromSeed([]byte("mailzone dkim test key seed 0032"))
	})
	return edKey
}

func edPublic() ed25519.PublicKey { return edPrivate().Public().(ed25519.PublicKey) }

func spki(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pkcs8(t testing.TB, priv any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func ecdsaKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wrap inserts a newline every n characters, as PEM bodies and zone files do.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString("\n ")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

func x509MarshalPKCS1(t testing.TB) []byte {
	t.Helper()
	return x509.MarshalPKCS1PublicKey(&rsaKey(t, 2048).PublicKey)
}
