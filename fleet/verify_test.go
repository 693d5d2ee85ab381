package fleet

import (
	"testing"
	"time"

	_ "github.com/mailzone/mailzone/providers/manual"

	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// TestChecks: a zone holding two domains names each record with its
// domain; a zone of one domain names the field alone; the run's deadline is
// the flag, else the longest verify.timeout, else verify's default.
func TestChecks(t *testing.T) {
	cfg, err := schema.Parse("mailzone.yaml", []byte(`version: 1
providers:
  files: {type: manual}
defaults: {provider: files}
domains:
  contoso.com:
    mx: inbound.mailgate.example.net
    dkim: {selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}}
  mail.fabrikam.co.uk:
    zone: fabrikam.co.uk
    mx: inbound.mailgate.example.net
    verify: {timeout: 20m}
  news.fabrikam.co.uk:
    zone: fabrikam.co.uk
    mx: inbound.mailgate.example.net
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ts, err := Targets(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := ChecksFromConfig(ts)
	if len(checks) != 2 || checks[0].Zone != "contoso.com" || checks[1].Zone != "fabrikam.co.uk" {
		t.Fatalf("checks %+v", checks)
	}
	fields := map[string]bool{}
	for _, c := range checks {
		for _, r := range c.Records {
			fields[r.Field] = true
		}
	}
	for _, f := range []string{"mx", "dkim.selector1", "mail.fabrikam.co.uk mx", "news.fabrikam.co.uk mx"} {
		if !fields[f] {
			t.Errorf("no record named %q in %v", f, fields)
		}
	}
	if got := RunTimeout(0, checks[:1]); got != verify.DefaultTimeout {
		t.Errorf("default timeout %v", got)
	}
	if got := RunTimeout(0, checks); got != 20*time.Minute {
		t.Errorf("longest verify.timeout %v", got)
	}
	if got := RunTimeout(time.Second, checks); got != time.Second {
		t.Errorf("flag timeout %v", got)
	}
}
