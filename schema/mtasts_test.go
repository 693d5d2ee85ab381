package schema

import (
	"strings"
	"testing"

	"github.com/mailzone/mailzone/mtasts"
)

// TestMTASTSPolicy: the policy and its derived id follow the MX and the
// settings, whatever the key order; a pinned id is kept; the policy host is
// an owned CNAME; mode none keeps the file and the record (RFC 8461 §8.3).
func TestMTASTSPolicy(t *testing.T) {
	cfg, ds := parse(t, head+`domains:
  contoso.com:
    mta_sts: {mode: enforce, host: {cname: mta-sts.mailgate.example.net}}   # before mx: order does not matter
    mx: inbound.mailgate.example.net
  fabrikam.co.uk:
    mx: fabrikam-co-uk.mail.protection.outlook.com
    mta_sts: {mode: testing, mx: ["*.mail.protection.outlook.com"], max_age: 86400, id: "2026120101"}
  retired.example:
    mx: inbound.mailgate.example.net
    mta_sts: {mode: none}
`)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	c := cfg.Domain("contoso.com")
	want := mtasts.Policy{Mode: "enforce", MX: []string{"inbound.mailgate.example.net"}, MaxAge: 604800}
	if c.MTASTSPolicy == nil || len(mtasts.Diff(want, c.MTASTSPolicy.Policy)) > 0 || c.MTASTS.Text != "v=STSv1; id="+want.ID() {
		t.Fatalf("contoso.com: %+v %q", c.MTASTSPolicy, c.MTASTS.Text)
	}
	var cname string
	for _, r := range c.Records() {
		if r.Set.Name == "mta-sts.contoso.com." && r.Set.Type == "CNAME" {
			cname = strings.Join(r.Set.Values, " ")
		}
	}
	if cname != "mta-sts.mailgate.example.net." {
		t.Errorf("policy host CNAME %q", cname)
	}
	f := cfg.Domain("fabrikam.co.uk")
	if f.MTASTS.Text != "v=STSv1; id=2026120101" || f.MTASTSPolicy.Policy.MX[0] != "*.mail.protection.outlook.com" || f.MTASTSPolicy.Policy.MaxAge != 86400 {
		t.Errorf("fabrikam.co.uk: %+v %q", f.MTASTSPolicy, f.MTASTS.Text)
	}
	r := cfg.Domain("retired.example")
	if r.MTASTSPolicy.Policy.Mode != "none" || !strings.HasPrefix(r.MTASTS.Text, "v=STSv1; id=") || !strings.Contains(r.MTASTSPolicy.Policy.Text(), "mode: none\r\n") {
		t.Errorf("retired.example: %+v %q", r.MTASTSPolicy, r.MTASTS.Text)
	}
}
