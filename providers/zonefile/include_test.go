package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/rrset"
)

// repoZone is a zone as a hosting company's repository holds it: a UTF-8
// byte order mark from a Windows editor, the name servers and a shared TXT
// in included files, and comments at the end of record lines.
const repoZone = bom + `; contoso.com — managed by the DNS team, see README
$ORIGIN contoso.com.
$TTL 3600
@	IN	SOA	ns1.dnshost.example.net. hostmaster.dnshost.example.net. ( 2026110101 7200 3600 1209600 300 )
$INCLUDE common/nameservers.inc
$INCLUDE common/verification.inc contoso.com.
@	IN	MX	10 contoso-com.mail.protection.outlook.com.	; Microsoft 365, ticket DNS-4411
@	IN	TXT	"v=spf1 include:spf.protection.outlook.com ~all"	; softfail until cut-over
www	IN	CNAME	contoso.azurewebsites.net.
`

func repoSetup(t *testing.T) (p *Provider, dir string) {
	t.Helper()
	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "common"), 0o755)
	os.WriteFile(filepath.Join(dir, "contoso.com.zone"), []byte(repoZone), 0o644)
	os.WriteFile(filepath.Join(dir, "common", "nameservers.inc"), []byte("@\tIN\tNS\tns1.dnshost.example.net.\n@\tIN\tNS\tns2.dnshost.example.net.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "common", "verification.inc"), []byte("; shared by every customer zone\n@\tIN\tTXT\t\"MS=ms48151623\"\n_dmarc\tIN\tTXT\t\"v=DMARC1; p=none; rua=mailto:dmarc@dnshost.example.net\"\n"), 0o644)
	p = New(dir)
	p.Now = march10
	return p, dir
}

func TestIncludeRead(t *testing.T) {
	p, _ := repoSetup(t)
	sets, err := p.Records(context.Background(), "contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	idx := rrset.Index(sets)
	if ns := idx[rrset.Key{Name: "contoso.com.", Type: "NS"}]; len(ns.Values) != 2 {
		t.Errorf("NS from the included file: %v", ns)
	}
	txt := idx[rrset.Key{Name: "contoso.com.", Type: "TXT"}]
	if len(txt.Values) != 2 || !strings.Contains(strings.Join(txt.Values, "|"), "MS=ms48151623") {
		t.Errorf("apex TXT (zone file + included file): %v", txt)
	}
	if d := idx[rrset.Key{Name: "_dmarc.contoso.com.", Type: "TXT"}]; len(d.Values) != 1 {
		t.Errorf("_dmarc from the included file: %v", d)
	}
}

func TestIncludeEdits(t *testing.T) {
	p, dir := repoSetup(t)
	ctx := context.Background()
	sets, _ := p.Records(ctx, "contoso.com")
	idx := rrset.Index(sets)
	apex := idx[rrset.Key{Name: "contoso.com.", Type: "TXT"}]
	// The SPF record is in the zone file: it is rewritten, its comment kept,
	// the included TXT beside it untouched, the byte order mark kept.
	spf := rrset.Edit{
		Old:  rrset.New(".", "contoso.com.", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com ~all"),
		New:  rrset.New(".", "contoso.com.", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com include:_spf.mailgate.example.net -all"),
		Keep: rrset.New(".", "contoso.com.", "TXT", apex.TTL, "MS=ms48151623"),
	}
	if _, err := p.Apply(ctx, "contoso.com", []rrset.Edit{spf}); err != nil {
		t.Fatalf("apply SPF: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "contoso.com.zone"))
	text := string(data)
	if !strings.HasPrefix(text, bom+"; contoso.com") {
		t.Error("the byte order mark was lost")
	}
	if !strings.Contains(text, "\"v=spf1 include:spf.protection.outlook.com include:_spf.mailgate.example.net -all\" ; softfail until cut-over\n") {
		t.Errorf("the trailing comment of the rewritten SPF line was lost:\n%s", text)
	}
	if !strings.Contains(text, "$INCLUDE common/nameservers.inc\n") {
		t.Error("the $INCLUDE line changed")
	}
	// The DMARC record is in an included file: refused, saying where.
	dm := idx[rrset.Key{Name: "_dmarc.contoso.com.", Type: "TXT"}]
	dmarc := rrset.Edit{Old: dm, New: rrset.New(".", "_dmarc.contoso.com.", "TXT", 3600, "v=DMARC1; p=reject")}
	_, err := p.Apply(ctx, "contoso.com", []rrset.Edit{dmarc})
	want := filepath.Join("common", "verification.inc") + " (line 3), and mailzone edits only the zone file itself"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("edit of an included record: %v, want %q", err, want)
	}
	inc, _ := os.ReadFile(filepath.Join(dir, "common", "verification.inc"))
	if !strings.Contains(string(inc), "p=none") {
		t.Error("the included file was changed")
	}
}

func TestIncludeSymlinkOut(t *testing.T) {
	p, dir := repoSetup(t)
	outside := filepath.Join(t.TempDir(), "secret.inc")
	os.WriteFile(outside, []byte("@ IN TXT \"runner secret\"\n"), 0o644)
	os.Remove(filepath.Join(dir, "common", "nameservers.inc"))
	os.Symlink(outside, filepath.Join(dir, "common", "nameservers.inc"))
	_, err := p.Records(context.Background(), "contoso.com")
	if err == nil || !strings.Contains(err.Error(), "outside the zone directory") {
		t.Errorf("a symbolic link out of the zone directory: %v", err)
	}
}

func TestHasInclude(t *testing.T) {
	for text, want := range map[string]bool{
		"$ORIGIN a.\n$TTL 3600\n@ IN A 192.0.2.1\n": false,
		"$include common/ns.inc\n":                  true,
		"@ IN TXT \"costs $5\"\n$Include x.inc\n":   true,
		"@ IN TXT \"$INCLUDE is only text here\"\n": true, // conservative: then the directives are parsed
		"$INC": false,
	} {
		if got := hasInclude(text); got != want {
			t.Errorf("hasInclude(%q) = %v", text, got)
		}
	}
}
