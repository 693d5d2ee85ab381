// Command gen writes a fleet of N domains for benchmarks: a mailzone.yaml with
// one profile and N domains (each with a DKIM key and a DMARC policy), and one
// RFC 1035 zone file per domain under zones/.
//
//	go run ./bench/gen -n 1000 -dir /tmp/fleet -state noop
//
// -state noop writes zones that already match (a no-op plan); -state changes
// writes zones with old mail records (every domain has changes); -state mixed
// alternates.
package main

import (
	"crypto/x509"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	n := flag.Int("n", 1000, "number of domains")
	dir := flag.String("dir", "", "output directory (created)")
	state := flag.String("state", "noop", "zone state: noop, changes or mixed")
	provider := flag.String("provider", "files", "provider block to write: files (zonefile) or a YAML flow mapping used verbatim")
	flag.Parse()
	if *dir == "" {
		log.Fatal("gen: -dir is required")
	}
	if err := os.MkdirAll(filepath.Join(*dir, "zones"), 0o755); err != nil {
		log.Fatal(err)
	}
	// One RSA-sized DKIM key shared by every domain keeps generation fast; the
	// key's size, not its value, is what costs in parsing and diffing.
	pub := rsaKey()
	block := "{type: zonefile, directory: zones}"
	if *provider != "files" {
		block = *provider
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, `version: 1
providers:
  dns: %s
defaults: {provider: dns, ttl: 3600, safety: {max_change_percent: 100}}   # a generated fleet is applied whole
profiles:
  standard:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net], all: fail}
    dmarc: {policy: quarantine, rua: ["mailto:dmarc@mailgate.example.net"]}
domains:
`, block)
	for i := 0; i < *n; i++ {
		name := Domain(i)
		fmt.Fprintf(&cfg, "  %s:\n    profile: standard\n    dkim:\n      mz1: {public_key: %q}\n", name, pub)
		changed := *state == "changes" || (*state == "mixed" && i%2 == 1)
		if err := os.WriteFile(filepath.Join(*dir, "zones", name+".zone"), []byte(Zone(name, pub, changed)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(*dir, "mailzone.yaml"), []byte(cfg.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}

// Domain is the i-th domain's name.
func Domain(i int) string { return fmt.Sprintf("customer%05d.example", i) }

// Zone is a domain's zone file: SOA, NS, a website and a verification TXT that
// mailzone does not own, and the mail records, current or old.
func Zone(name, pub string, old bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 3600\n@\tIN\tSOA\tns1 hostmaster (2026110100 7200 3600 1209600 300)\n\tIN\tNS\tns1\nns1\tIN\tA\t192.0.2.53\n", name)
	b.WriteString("@\t300\tIN\tA\t192.0.2.10\nwww\t300\tIN\tCNAME\t@\n@\tIN\tTXT\t\"google-site-verification=0123456789\"\n")
	if old {
		b.WriteString("@\tIN\tMX\t10 mx1.oldhost.example.\n@\tIN\tMX\t20 mx2.oldhost.example.\n@\tIN\tTXT\t\"v=spf1 include:_spf.oldhost.example ~all\"\n_dmarc\tIN\tTXT\t\"v=DMARC1; p=none\"\n")
		return b.String()
	}
	b.WriteString("@\tIN\tMX\t10 inbound.mailgate.example.net.\n@\tIN\tTXT\t\"v=spf1 include:_spf.mailgate.example.net -all\"\n")
	txt := "v=DKIM1; k=rsa; p=" + pub
	fmt.Fprintf(&b, "mz1._domainkey\tIN\tTXT\t\"%s\" \"%s\"\n", txt[:255], txt[255:])
	b.WriteString("_dmarc\tIN\tTXT\t\"v=DMARC1; p=quarantine; rua=mailto:dmarc@mailgate.example.net\"\n")
	return b.String()
}

// rsaKey returns a fixed 2048-bit RSA public key in base64 SPKI form.
func rsaKey() string {
	const k = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzv2HlqEOz4MVuwshumkE0gMsEwfssWnqoHwFd3fmJiPKFIrEYKT/C1BHIWbUJtn4Ik+jBkmI3cF1d6ybEVjYsZAUvuxX6l4Kn4i6XmcpoX5sDD80+BUr6QsaNmN/vEYatbJVxCDLhDG1fTGFs4F7S8n2aJAL6dKgabCpoR0vbv62Xv3vdLSfKVzuDzswn/rXFxyn6jkdd6sc5/4nSmNzIBFrEDqWBdDFVTmJhTOwD9CmGexC1k1Xa2Wx7ZIEfSIe7AcF7Ik5kGiPgd9iSL2xDcCySaCy0rvuHQb2FzaGwXgzB3w3JbbA3tR2frLzXXvhE2iYxuVahcQ6q5+tSeRC6QIDAQAB"
	der, err := base64.StdEncoding.DecodeString(k)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := x509.ParsePKIXPublicKey(der); err != nil {
		log.Fatalf("gen: the built-in key does not parse: %v", err)
	}
	return k
}
