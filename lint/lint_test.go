package lint

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func init() {
	providers.Register(providers.Type{
		Name:     "linttest",
		Settings: []providers.Setting{{Name: "server", Help: "unused"}},
		Open:     func(providers.Config) (providers.Provider, error) { return nil, errors.New("not for opening") },
	})
}

const configYAML = `version: 1
providers:
  p: {type: linttest}
defaults: {provider: p}
profiles:
  standard:
    mx: mx.good.example
    spf: {include: [_spf.esp.example, ten.example], all: fail}
    dmarc: {policy: reject, rua: ["mailto:dmarc@webhost.reports.example"]}
domains:
  customer.example:
    profile: standard
    mx: alias.example
  clean.example:
    mx: mx.good.example
    spf: "v=spf1 include:_spf.esp.example -all"
    dmarc: {policy: reject, rua: ["mailto:dmarc@reports.example"]}
  parked.example:
    mail: none
`

func loadConfig(t *testing.T, src string) *schema.Config {
	t.Helper()
	cfg, err := schema.Parse("mailzone.yaml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestConfigText lints a configuration against test zones and compares the
// report with testdata/config.golden (go test -update rewrites it).
func TestConfigText(t *testing.T) {
	srv := newTestDNS(t, spfZone+mxZone+dmarcZone(t)+`
$ORIGIN example.
clean            TXT  "v=spf1 include:_spf.esp.example -all"
parked           MX   0 .
`)
	fs := Config(context.Background(), srv.resolver(t), loadConfig(t, configYAML))
	var b strings.Builder
	if err := Text(&b, fs); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/config.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
	failed := ErrorDomains(fs)
	if !failed["customer.example"] || failed["clean.example"] || failed["parked.example"] {
		t.Errorf("ErrorDomains = %v, want only customer.example", failed)
	}
}

func TestTextEmpty(t *testing.T) {
	var b strings.Builder
	Text(&b, nil)
	if got := b.String(); got != "0 errors, 0 warnings\n" {
		t.Errorf("Text(nil) = %q", got)
	}
}

// TestThousandDomains lints 1,000 domains that share their includes, MX
// target and report destination: each DNS question is asked once.
func TestThousandDomains(t *testing.T) {
	var y strings.Builder
	y.WriteString(`version: 1
providers:
  p: {type: linttest}
defaults: {provider: p}
profiles:
  standard:
    mx: mx.good.example
    spf: {include: [_spf.esp.example, other.example], all: fail}
    dmarc: {policy: reject, rua: ["mailto:dmarc@reports.example"]}
domains:
`)
	for i := range 1000 {
		fmt.Fprintf(&y, "  c%04d.example: {profile: standard}\n", i)
	}
	srv := newTestDNS(t, spfZone+mxZone+dmarcZone(t))
	cfg := loadConfig(t, y.String())
	r := srv.resolver(t)
	start := time.Now()
	fs := Config(context.Background(), r, cfg)
	elapsed := time.Since(start)
	if errs, _ := Count(fs); errs != 0 {
		t.Errorf("%d errors, want none", errs)
	}
	// Per domain: TXT and MX at the apex (what is published) and the report
	// authorization record; shared by all: the SPF tree, the MX target with
	// its reverse DNS, and the report destination's MX.
	shared := r.Queries() - 3*1000
	if shared > 20 {
		t.Errorf("%d queries for shared names, want each asked once (≤ 20)", shared)
	}
	for _, q := range []string{"_spf.esp.example.", "other.example.", "mx.good.example."} {
		for _, n := range []int64{srv.asks(q, 1), srv.asks(q, 16)} {
			if n > 1 {
				t.Errorf("%s asked %d times", q, n)
			}
		}
	}
	t.Logf("1000 domains: %d queries (%d shared), %d findings, %v", r.Queries(), shared, len(fs), elapsed)
}

// TestManagedReportAuthorization: a report destination whose zone is in
// the file is authorized by the plan itself, so lint does not ask DNS for
// the record (which does not exist before the first apply); one outside the
// file is still checked.
func TestManagedReportAuthorization(t *testing.T) {
	srv := newTestDNS(t, `$TTL 300
mailgate.example.net.  MX  10 inbound.mailgate.example.net.
inbound.mailgate.example.net. A 192.0.2.25
rua.dmarcian.example.  MX  10 mx.dmarcian.example.
mx.dmarcian.example.   A   192.0.2.26
`)
	cfg := loadConfig(t, `version: 1
providers:
  p: {type: linttest}
defaults: {provider: p}
domains:
  mailgate.example.net: {}
  contoso.com:
    dmarc: {policy: none, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
  northwind.com:
    dmarc: {policy: none, rua: ["mailto:x@rua.dmarcian.example"]}
`)
	var codes []string
	for _, f := range Config(context.Background(), srv.resolver(t), cfg) {
		if f.Code == CodeDMARCUnauthorized {
			codes = append(codes, f.Domain)
		}
	}
	if strings.Join(codes, ",") != "northwind.com" {
		t.Errorf("unauthorized destinations reported for %v, want only northwind.com", codes)
	}
}
