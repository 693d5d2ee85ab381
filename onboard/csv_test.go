package onboard

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadCSV reads sheets as customers' spreadsheets export them: a byte
// order mark, comments, blank cells taking the defaults, columns in any
// order; and refuses the ones that cannot be onboarded, with file and line.
func TestReadCSV(t *testing.T) {
	def := Request{Profile: "msp", Provider: "customer-dns"}
	for _, c := range []struct {
		name, text string
		want       []Request
		err        string
	}{
		{"spreadsheet export", "\ufeffDomain,Provider,dkim_selector\r\n# onboarded 2026-12\r\ncontoso.com,,selector1\r\nfabrikam.co.uk,msp-bind,\r\n,,\r\n",
			[]Request{{Row: 3, Domain: "contoso.com", Profile: "msp", Provider: "customer-dns", Selector: "selector1"},
				{Row: 4, Domain: "fabrikam.co.uk", Profile: "msp", Provider: "msp-bind"}}, ""},
		{"unknown column", "domain,zone\ncontoso.com,contoso.com\n", nil, `unknown column "zone"`},
		{"no domain column", "profile\nmsp\n", nil, "the header has no domain column"},
		{"no rows", "domain\n# none yet\n", nil, "no rows"},
		{"no profile", "domain,profile\ncontoso.com,\n", nil, ":2: contoso.com has no profile"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "customers.csv")
			os.WriteFile(path, []byte(c.text), 0o644)
			d := def
			if c.name == "no profile" {
				d.Profile = ""
			}
			got, err := ReadCSV(path, d)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, %v\nwant %+v", got, err, c.want)
			}
		})
	}
}
