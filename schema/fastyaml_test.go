package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// firstIndent is the indentation of src's first line that is neither blank
// nor a comment.
func firstIndent(src string) int {
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimLeft(line, " ")
		if t != "" && t[0] != '#' {
			return len(line) - len(t)
		}
	}
	return 0
}

// fastAgrees parses src with fastBlock and, where it gives a tree, checks
// that yaml.v3 gives the same one for the same text. It reports whether
// fastBlock took it.
func fastAgrees(t *testing.T, src string) bool {
	t.Helper()
	got, ok := fastBlock(src, 1, firstIndent(src))
	if !ok {
		return false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatalf("fastBlock read what yaml.v3 refuses (%v):\n%s", err, src)
	}
	if len(doc.Content) != 1 {
		t.Fatalf("fastBlock read a mapping; yaml.v3 reads %d nodes:\n%s", len(doc.Content), src)
	}
	if err := sameNode(got, doc.Content[0], "root"); err != nil {
		t.Fatalf("fastBlock and yaml.v3 differ: %v\n%s", err, src)
	}
	return true
}

// fastPieces are domains: entries as fleets write them. Each must be read
// by fastBlock, and give yaml.v3's tree.
var fastPieces = map[string]string{
	"bench fleet": "  customer00000.example:\n    profile: standard\n    dkim:\n      mz1: {public_key: \"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzv2HlqEOz4MVuwshumkE0gMs+/==\"}\n  customer00001.example:\n    profile: standard\n",
	"M365 and SendGrid delegations, comments": `  # Contoso moved to Microsoft 365 in 2026
  contoso.com:   # ticket MSP-1142
    profile: standard
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
      selector2:
        cname: selector2-contoso-com._domainkey.contoso.onmicrosoft.com   # rotated by Microsoft

  fabrikam.example:
    profile: standard
    dkim:
      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}
      s2: {cname: 's2.domainkey.u1234.wl.sendgrid.net'}
`,
	"DMARC in block and flow, rua lists": `  "tailspin.example":
    ttl: 300
    dmarc:
      policy: reject
      pct: 100
      rua:
        - mailto:dmarc@mailgate.example.net
        - "mailto:dmarc-reports@tailspin.example"
      ruf: [mailto:forensic@mailgate.example.net]
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com], all: fail}
  wingtip.example: {profile: standard, provider: cloudflare, ttl: 3600}
`,
	"indentless sequence, nulls, numbers and booleans": `  northwind.example:
    mx:
      host: inbound.mailgate.example.net
      preference: 10
    spf:
      include:
      - _spf.mailgate.example.net
      - amazonses.com
      ip4: [192.0.2.10, 198.51.100.0/24]
      all: softfail
    mta_sts: {mode: enforce, max_age: 604800, mx: [inbound.mailgate.example.net]}
    tls_rpt: {rua: [mailto:tlsrpt@mailgate.example.net]}
    verify:
    bimi: ~
    dkim_policy: {strict: true, keep: [google, k1]}
  parked.example: {mail: none}
  "quoted 'key'": 'it''s'
`,
	"empty flow collections and a last key without a value": "  a.example: {}\n  b.example: []\n  c.example:\n",
	"keys of every plain start":                             "  _dmarc.example: x\n  1.example: 2026-01-01\n  .hidden: .5\n  +x: +1\n  ~: ~\n  true: False\n  null: 0x1F\n  yes: on\n  (a): =b\n",
}

// fastRefused are shapes fastBlock must leave to yaml.v3.
var fastRefused = map[string]string{
	"anchor":                   "  a.example: &x {mx: m}\n",
	"alias":                    "  a.example: *x\n",
	"tag":                      "  a.example: !!str x\n",
	"folded":                   "  a.example:\n    mx: >-\n      m.example\n",
	"literal":                  "  a.example:\n    mx: |\n      m.example\n",
	"escape":                   "  a.example: {mx: \"m\\x41\"}\n",
	"multi-line plain":         "  a.example:\n    mx: m\n      .example\n",
	"multi-line quoted":        "  a.example:\n    mx: \"m\n      .example\"\n",
	"flow across lines":        "  a.example: {mx: m,\n    spf: s}\n",
	"trailing comma":           "  a.example: {mx: m,}\n",
	"empty flow value":         "  a.example: {mx: , spf: s}\n",
	"mapping in a sequence":    "  a.example:\n    rua:\n      - mailto: x\n",
	"merge key":                "  <<: {mx: m}\n",
	"question mark key":        "  ? a.example\n  : {mx: m}\n",
	"non-ASCII":                "  bücher.example: {mx: m}\n",
	"tab":                      "  a.example:\t{mx: m}\n",
	"CR":                       "  a.example: {mx: m}\r\n",
	"value after colon only":   "  a.example: b: c\n",
	"key ending the line":      "  a.example: b:\n",
	"dash value":               "  a.example: -\n",
	"more indented":            "  a.example: x\n    b: y\n",
	"between indentations":     "  a.example:\n      b: 1\n    c: 2\n",
	"comment glued to quote":   "  a.example: \"x\"#c\n",
	"sequence at the top":      "  - a.example\n",
	"quoted then text":         "  a.example: \"x\" y\n",
	"flow then text":           "  a.example: {mx: m} y\n",
	"deep flow":                "  a: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n",
	"long key":                 "  " + strings.Repeat("k", 1100) + ": v\n",
	"percent":                  "  a.example: %x\n",
	"backquote":                "  a.example: `x`\n",
	"at":                       "  a.example: @x\n",
	"negative number":          "  a.example: -1\n",
	"question in flow":         "  a.example: [? x]\n",
	"colon then comma in flow": "  a.example: [a:, b]\n",
}

// TestFastBlockAgreesWithYAML reads fleets' entries, the repository's
// configurations and generated fleets with fastBlock and yaml.v3.
func TestFastBlockAgreesWithYAML(t *testing.T) {
	for name, src := range fastPieces {
		t.Run(name, func(t *testing.T) {
			if !fastAgrees(t, src) {
				t.Errorf("fastBlock gave up on:\n%s", src)
			}
		})
	}
	for name, src := range fastRefused {
		t.Run("refused/"+name, func(t *testing.T) {
			if _, ok := fastBlock(src, 1, firstIndent(src)); ok {
				t.Errorf("fastBlock read what it must leave to yaml.v3:\n%s", src)
			}
		})
	}
	// Whole files: where fastBlock reads one (a block mapping at column
	// 1), it must agree; the count shows how many it reads.
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*", "mailzone.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "e2e", "testdata", "*", "*.yaml"))
	read := 0
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if fastAgrees(t, string(data)) {
			read++
		}
	}
	t.Logf("fastBlock read %d of %d configuration files whole", read, len(files)+len(more))
	if read == 0 {
		t.Error("fastBlock read none of the repository's configurations")
	}
}

// TestFastBlockLines checks positions in a piece that starts deep in a file.
func TestFastBlockLines(t *testing.T) {
	src := "  a.example:\n    mx: m.example.net\n\n  # c\n  b.example: {mx: n.example.net}\n"
	n, ok := fastBlock(src, 1000, 2)
	if !ok {
		t.Fatal("fastBlock gave up")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Repeat("\n", 999)+src), &doc); err != nil {
		t.Fatal(err)
	}
	if err := sameNode(n, doc.Content[0], "root"); err != nil {
		t.Fatal(err)
	}
}

// FuzzFastBlock: wherever fastBlock reads a text, yaml.v3 reads the same
// tree from it. Seeds are the pieces above and the repository's
// configurations.
func FuzzFastBlock(f *testing.F) {
	for _, src := range fastPieces {
		f.Add(src)
	}
	for _, src := range fastRefused {
		f.Add(src)
	}
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*", "mailzone.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(splitFleet(7))
	f.Fuzz(func(t *testing.T, src string) { fastAgrees(t, src) })
}

// BenchmarkFastBlock compares fastBlock with yaml.v3 on a fleet's entries.
func BenchmarkFastBlock(b *testing.B) {
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "  customer%05d.example:\n    profile: standard\n    dkim:\n      mz1: {public_key: \"%s\"}\n", i, strings.Repeat("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 9))
	}
	src := sb.String()
	b.Run("fastBlock", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, ok := fastBlock(src, 1, 2); !ok {
				b.Fatal("gave up")
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
