package importer

import (
	"strings"
	"testing"

	"github.com/mailzone/mailzone/rrset"
)

// TestFromRecords imports a Microsoft 365 customer as found at takeover.
func TestFromRecords(t *testing.T) {
	z := "contoso.com"
	sets := []rrset.RRset{
		rrset.New(z, "@", "MX", 3600, "0 contoso-com.mail.protection.outlook.com."),
		rrset.New(z, "@", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com -all", "MS=ms48151623"),
		rrset.New(z, "selector1._domainkey", "CNAME", 3600, "selector1-contoso-com._domainkey.contoso.onmicrosoft.com."),
		rrset.New(z, "_dmarc", "TXT", 3600, "V=DMARC1; p=none; rua=mailto:dmarc@contoso.com"),
	}
	d := FromRecords(z, z, "dns", 3600, sets)
	got := strings.Join(Entry(d, 2), "\n")
	for _, want := range []string{
		"contoso.com:",
		"  mx: {host: contoso-com.mail.protection.outlook.com, preference: 0}",
		"  spf: {include: [spf.protection.outlook.com]}",
		"    selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}",
		"  dmarc: {policy: none, rua: [\"mailto:dmarc@contoso.com\"]}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("entry lacks %q:\n%s", want, got)
		}
	}
}
