package overview

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	_ "github.com/mailzone/mailzone/providers/manual"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fleet is three customers: one mid-rollout and held by its reports, one
// without a rollout on Microsoft 365 and SendGrid, one parked.
func fleet(t *testing.T) (*schema.Config, Observations, time.Time) {
	t.Helper()
	cfg, err := schema.Parse("mailzone.yaml", []byte(`version: 1
providers:
  customer-dns: {type: manual}
defaults: {provider: customer-dns}
domains:
  contoso.com:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com], all: fail}
    dkim: {selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}}
    dmarc:
      policy: reject
      rua: ["mailto:dmarc-reports@mailgate.example.net"]
      rollout:
        - {policy: none, until: 2027-01-15}
        - {policy: quarantine, until: 2027-03-01, require: {pass_rate: 98%}}
    tls_rpt: {rua: ["mailto:tlsrpt@mailgate.example.net"]}
  fabrikam.co.uk:
    mx: inbound.mailgate.example.net
    spf: {include: [sendgrid.net], all: fail}
    dkim: {s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}}
    dmarc: {policy: quarantine}
  parked.example: {mail: none}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 5, 6, 0, 0, 0, time.UTC)
	ev := &aggregate.Summary{FormatVersion: 1, Domains: []*aggregate.Domain{{
		Domain: "contoso.com", Reports: 12, Messages: 4210, Pass: 3920, PassRate: 3920.0 / 4210, SPFRate: 0.74, DKIMRate: 0.93,
		Reporters: []string{"Enterprise Outlook", "google.com"},
		Failing:   []aggregate.Source{{IP: "203.0.113.7", Messages: 290, Reporters: []string{"google.com"}}},
	}}}
	obs := Observations{
		SPFLookups: map[string]int{"contoso.com": 4},
		SPFNotes:   map[string]string{"fabrikam.co.uk": "not checked: SERVFAIL"},
		DKIMStates: map[string]string{"contoso.com/selector1": "ready", "fabrikam.co.uk/s1": "pending"},
		Rollouts:   map[string]rollout.Status{},
		Evidence:   ev, EvidenceFrom: "summary.json",
	}
	for _, st := range rollout.Apply(cfg, now, ev) {
		obs.Rollouts[st.Domain] = st
	}
	return cfg, obs, now
}

func TestGolden(t *testing.T) {
	cfg, obs, now := fleet(t)
	rep := Build(cfg, cfg.Domains, obs, now)
	var js, html bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	golden(t, "overview.json", js.Bytes())
	golden(t, "overview.html", html.Bytes())
	if got := rep.Stages; len(got) != 3 || got[0].Stage != "held" || got[1].Stage != "p=quarantine" || got[2].Stage != "p=reject" {
		t.Errorf("stages %+v", got)
	}
	if !strings.Contains(html.String(), "held at p=quarantine: 93.1% of 4,210 messages pass, 98% required") {
		t.Error("the held domain's reason is not on the page")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./overview -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./overview -update, then review):\n%s", name, got)
	}
}
