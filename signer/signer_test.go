package signer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/keystatus"
)

func TestChooseAndTables(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "contoso.com"), 0o700)
	os.WriteFile(filepath.Join(dir, "contoso.com", "mz202612.pem"), []byte("-----BEGIN PRIVATE KEY-----\n..."), 0o600)
	os.WriteFile(filepath.Join(dir, "contoso.com", "mz202606.pem"), []byte("-----BEGIN PRIVATE KEY-----\n..."), 0o600)
	sts := []keystatus.Status{
		{Domain: "contoso.com", Selector: "mz202612", Kind: "key", State: "ready"},
		{Domain: "contoso.com", Selector: "mz202606", Kind: "key", State: "propagating"},
		{Domain: "contoso.com", Selector: "selector1", Kind: "cname", State: "ready"},
		{Domain: "fabrikam.com", Selector: "mz202612", Kind: "key", State: "ready"},
	}
	keys, skipped := Choose(sts, dir)
	if len(keys) != 1 || keys[0].Selector != "mz202612" || keys[0].Domain != "contoso.com" {
		t.Fatalf("keys %+v", keys)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0], "propagating") || !strings.Contains(skipped[1], "no private key") {
		t.Errorf("skipped %q", skipped)
	}
	od, _ := Tables("opendkim", keys, "/etc/opendkim/mailzone")
	if !strings.Contains(od["KeyTable"], "mz202612._domainkey.contoso.com contoso.com:mz202612:"+keys[0].Path+"\n") ||
		!strings.Contains(od["SigningTable"], "*@contoso.com mz202612._domainkey.contoso.com\n") ||
		!strings.Contains(od["opendkim.conf.example"], "refile:/etc/opendkim/mailzone/KeyTable") {
		t.Errorf("opendkim tables: %q", od)
	}
	rs, _ := Tables("rspamd", keys, "/etc/rspamd/mailzone")
	if !strings.Contains(rs["dkim_selectors.map"], "contoso.com mz202612\n") || !strings.Contains(rs["dkim_signing.conf"], `selector_map = "/etc/rspamd/mailzone/dkim_selectors.map";`) {
		t.Errorf("rspamd maps: %q", rs)
	}
	if _, err := Tables("amavis", keys, "/x"); err == nil {
		t.Error("unknown signer: no error")
	}
}
