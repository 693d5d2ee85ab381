package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// testCA makes a certificate authority and a certificate it signs for
// hosts, and writes the authority's certificate to caFile.
func testCA(t *testing.T, caFile string, hosts ...string) tls.Certificate {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailzone test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	writeFile(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// policyHost serves site/<domain>/.well-known/mta-sts.txt for
// https://mta-sts.<domain>/ on ip:443, as any static host would.
func policyHost(t *testing.T, ip, site string, cert tls.Certificate) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "443"))
	if err != nil {
		t.Skipf("cannot listen on %s:443 (run as root): %v", ip, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			domain := strings.TrimPrefix(r.Host, "mta-sts.")
			data, err := os.ReadFile(filepath.Join(site, domain, ".well-known", "mta-sts.txt"))
			if err != nil || r.URL.Path != "/.well-known/mta-sts.txt" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			w.Write(data)
		}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
}

// TestMTASTS takes a domain's MTA-STS through a mode change against a real
// BIND server and a local HTTPS policy host whose certificate a test CA
// signed (trusted through SSL_CERT_FILE): export writes the file, lint
// fetches and compares it, apply publishes the id derived from it, and a
// policy change is blocked until the file is published, then its id follows.
func TestMTASTS(t *testing.T) {
	bindtest.Require(t)
	dir := t.TempDir()
	const hostIP = "127.0.0.44"
	ca := filepath.Join(dir, "test-ca.pem")
	cert := testCA(t, ca, "mta-sts.contoso.com")
	site := filepath.Join(dir, "site")
	policyHost(t, hostIP, site, cert)
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: "contoso.com", Records: []rrset.RRset{
		rrset.New("contoso.com", "mail", "A", 3600, "192.0.2.25"),
		rrset.New("contoso.com", "mta-sts", "A", 3600, hostIP),
	}})
	key := primary.Key
	config := func(mode string) {
		writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  bind: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults:
  provider: bind
  resolver: %q          # the zone's own server answers lint's lookups
  verify: {nameservers: [%q]}
domains:
  contoso.com:
    mx: mail.contoso.com
    mta_sts: {mode: %s, max_age: 86400}   # mx: the domain's MX host
`, primary.Addr, key.Name, key.Algorithm, primary.Addr, primary.Addr, mode))
	}
	vars := map[string]string{"TSIG_SECRET": key.Secret, "SSL_CERT_FILE": ca}
	config("testing")

	r := runRaw(t, dir, vars, "mta-sts", "export", "site")
	policy, _ := os.ReadFile(filepath.Join(site, "contoso.com", ".well-known", "mta-sts.txt"))
	if r.code != 0 || string(policy) != "version: STSv1\r\nmode: testing\r\nmx: mail.contoso.com\r\nmax_age: 86400\r\n" {
		t.Fatalf("export: %s\n%q", r, policy)
	}
	if r := runRaw(t, dir, vars, "lint"); r.code != 0 || strings.Contains(r.stderr, "mta_sts") {
		t.Fatalf("lint with the policy served: %s", r)
	}
	if r := runRaw(t, dir, vars, "apply", "--yes"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	id1 := txtOf(t, primary, "_mta-sts.contoso.com.")
	if !strings.HasPrefix(id1, "v=STSv1; id=") || len(id1) != len("v=STSv1; id=")+20 {
		t.Fatalf("published %q", id1)
	}

	// Tighten to enforce: until the new file is served, lint says the
	// policy differs, and the plan leaves the domain out.
	config("enforce")
	r = runRaw(t, dir, vars, "lint")
	if r.code != 1 || !strings.Contains(r.stderr, "serves another policy than the configuration: mode testing, want enforce") {
		t.Fatalf("lint before the new file: %s", r)
	}
	if r := runRaw(t, dir, vars, "plan"); r.code != 1 || !strings.Contains(r.stdout, "were not planned") {
		t.Errorf("plan before the new file: %s", r)
	}
	runRaw(t, dir, vars, "mta-sts", "export", "site")
	r = runRaw(t, dir, vars, "lint")
	if r.code != 0 || !strings.Contains(r.stderr, "publishes id=") || !strings.Contains(r.stderr, "but the policy served has id") {
		t.Fatalf("lint after the new file, before apply: %s", r)
	}
	if r := runRaw(t, dir, vars, "apply", "--yes"); r.code != 0 {
		t.Fatalf("apply of the new id: %s", r)
	}
	if id2 := txtOf(t, primary, "_mta-sts.contoso.com."); id2 == id1 {
		t.Errorf("the id did not move with the policy: %s", id2)
	}
	if r := runRaw(t, dir, vars, "lint"); r.code != 0 || strings.Contains(r.stderr, "mta_sts") {
		t.Errorf("lint after apply: %s", r)
	}
	// Without the test CA the certificate does not verify.
	delete(vars, "SSL_CERT_FILE")
	if r := runRaw(t, dir, vars, "lint"); r.code != 1 || !strings.Contains(r.stderr, "certificate signed by unknown authority") {
		t.Errorf("lint without trusting the test CA: %s", r)
	}
}

// txtOf is the TXT data the server publishes at name.
func txtOf(t *testing.T, s *bindtest.Server, name string) string {
	t.Helper()
	r := s.Query(t, name, 16)
	var out []string
	for _, rr := range r.Answer {
		out = append(out, strings.Trim(strings.TrimPrefix(rr.String(), rr.Header().String()), `"`))
	}
	return strings.Join(out, " | ")
}
