package schema

import (
	"strings"
	"testing"
	"time"
)

// ed25519Key is a raw 32-byte Ed25519 public key, base64.
const ed25519Key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

// TestESPDelegatedSelectors loads DKIM selectors delegated to ESPs in the
// exact target formats they publish: CNAME targets may hold underscore labels
// (RFC 2181 §11), MX targets may not.
func TestESPDelegatedSelectors(t *testing.T) {
	src := head + `domains:
  contoso.com:
    mx: contoso-com.mail.protection.outlook.com   # Microsoft 365 inbound
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
      selector2: {cname: "selector2-contoso-com._domainkey.contoso.onmicrosoft.com."}
      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}
      s2: {cname: s2._domainkey.u1234.wl233.sendgrid.net}
      4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv: {cname: 4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv.dkim.amazonses.com}
      google: {revoked: true}
`
	cfg, ds := parse(t, src)
	if ds.HasErrors() {
		t.Fatalf("ESP selectors rejected:\n%v", ds)
	}
	want := map[string]string{
		"selector1":                        "selector1-contoso-com._domainkey.contoso.onmicrosoft.com.",
		"selector2":                        "selector2-contoso-com._domainkey.contoso.onmicrosoft.com.",
		"s1":                               "s1.domainkey.u1234.wl.sendgrid.net.",
		"s2":                               "s2._domainkey.u1234.wl233.sendgrid.net.",
		"4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv": "4ppcxcqw5hf2irmxp6ikcs6vzcvy3pmv.dkim.amazonses.com.",
	}
	for _, s := range cfg.Domain("contoso.com").DKIM {
		if w, ok := want[s.Name]; ok {
			if s.Kind != CNAMESelector || s.Target != w {
				t.Errorf("%s: kind %v target %q, want CNAME %q", s.Name, s.Kind, s.Target, w)
			}
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("selectors missing: %v", want)
	}
	// An MX target stays a host name.
	_, ds = parse(t, head+"domains:\n  contoso.com: {mx: _mx.contoso.com}\n")
	if !ds.HasErrors() {
		t.Error("an MX target with an underscore label was accepted")
	}
}

// TestDMARCRemovedTagsWarn: pct, rf and ri were removed by RFC 9989, so bad
// values of them are warnings, never errors, in builder and raw form; p is
// still required.
func TestDMARCRemovedTagsWarn(t *testing.T) {
	cfg, ds := parse(t, head+`domains:
  contoso.com:
    dmarc: {policy: quarantine, pct: 150, rf: iodef, ri: daily}
  fabrikam.com:
    dmarc: "v=DMARC1; p=reject; pct=abc; ri=1d"
`)
	if ds.HasErrors() {
		t.Fatalf("errors for removed tags:\n%v", ds)
	}
	if n := len(cfg.Warnings); n < 5 {
		t.Errorf("%d warnings, want one per removed tag:\n%v", n, cfg.Warnings)
	}
	if got := cfg.Domain("contoso.com").DMARC.Text; got != "v=DMARC1; p=quarantine" {
		t.Errorf("builder record %q: bad removed tags must be left out", got)
	}
	if _, ds := parse(t, head+"domains:\n  contoso.com: {dmarc: \"v=DMARC1; rua=mailto:d@contoso.com\"}\n"); !ds.HasErrors() {
		t.Error("a desired DMARC record without p was accepted")
	}
}

func TestDKIMPolicyAndCreated(t *testing.T) {
	cfg, ds := parse(t, head+`profiles:
  standard:
    dkim_policy: {rotate_every: 180d, algorithm: both, bits: 2048, selector: "mz{yyyy}{mm}"}
domains:
  contoso.com:
    profile: standard
    dkim:
      mz202606: {public_key: "`+ed25519Key+`", created: 2026-06-01}
`)
	if ds.HasErrors() {
		t.Fatalf("%v", ds)
	}
	d := cfg.Domain("contoso.com")
	if d.DKIMPolicy.RotateEvery != 180*24*time.Hour || d.DKIMPolicy.Algorithm != "both" || d.DKIM[0].Created.Format("2006-01-02") != "2026-06-01" {
		t.Errorf("policy %+v, created %v", d.DKIMPolicy, d.DKIM[0].Created)
	}
	if got := d.DKIMPolicy.SelectorName(time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)); got != "mz202701" {
		t.Errorf("selector %q", got)
	}
	for _, tt := range []struct{ src, want string }{
		{"dkim_policy: {rotate_every: soon}", `domains.contoso.com.dkim_policy.rotate_every: "soon" is not a period such as 180d or 26w`},
		{"dkim_policy: {selector: \"mz_{yyyy}\"}", `domains.contoso.com.dkim_policy.selector: "mz_{yyyy}" is not a selector pattern`},
		{"dkim_policy: {selector: static}", `domains.contoso.com.dkim_policy.selector: "static" is not a selector pattern`},
		{"dkim_policy: {algorithm: dsa}", `domains.contoso.com.dkim_policy.algorithm: must be rsa, ed25519 or both`},
		{"dkim_policy: {rotate: 90d}", `domains.contoso.com.dkim_policy.rotate: unknown key "rotate"`},
		{"dkim: {s1: {revoked: true, created: 2026-13-01}}", `domains.contoso.com.dkim.s1.created: "2026-13-01" is not a date`},
	} {
		_, ds := parse(t, head+"domains:\n  contoso.com: {"+tt.src+"}\n")
		if !strings.Contains(ds.Error(), tt.want) {
			t.Errorf("%s: got\n%v\nwant %s", tt.src, ds, tt.want)
		}
	}
}
