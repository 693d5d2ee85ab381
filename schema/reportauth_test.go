package schema

import (
	"reflect"
	"testing"
)

// TestReportAuthorization: an MSP's zone is in the file, and two customers
// send their reports there: the MSP's zone publishes an authorization for
// each; a customer that reports to its own domain needs none; a customer
// whose reports go to a host outside the file gets none (and the name of a
// record mailzone does not own is never planned); in wildcard mode one
// record stands for all, and the per-domain ones go.
func TestReportAuthorization(t *testing.T) {
	src := func(mode string) string {
		return `version: 1
providers:
  p: {type: testdns, server: "127.0.0.1:53"}
defaults: {provider: p, report_authorization: ` + mode + `}
domains:
  mailgate.example.net:
    dmarc: {policy: reject, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
  contoso.com:
    dmarc: {policy: none, rua: ["mailto:dmarc-reports@mailgate.example.net"], ruf: ["mailto:forensic@reports.mailgate.example.net"]}
  fabrikam.co.uk:
    dmarc: {policy: reject, rua: ["mailto:dmarc-reports@mailgate.example.net!10m"]}
  news.fabrikam.co.uk:
    dmarc: {policy: reject, rua: ["mailto:dmarc@fabrikam.co.uk"]}
  northwind.com:
    dmarc: {policy: reject, rua: ["mailto:x@rua.dmarcian.example"]}
`
	}
	cfg, ds := parse(t, src("per-domain"))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	got := map[string]bool{}
	for _, a := range cfg.Domain("mailgate.example.net").ReportAuth {
		got[a.Name] = a.Present
	}
	want := map[string]bool{
		"contoso.com._report._dmarc.mailgate.example.net.":                 true,
		"fabrikam.co.uk._report._dmarc.mailgate.example.net.":              true,
		"news.fabrikam.co.uk._report._dmarc.mailgate.example.net.":         false,
		"northwind.com._report._dmarc.mailgate.example.net.":               false,
		"contoso.com._report._dmarc.reports.mailgate.example.net.":         true,
		"fabrikam.co.uk._report._dmarc.reports.mailgate.example.net.":      false,
		"news.fabrikam.co.uk._report._dmarc.reports.mailgate.example.net.": false,
		"northwind.com._report._dmarc.reports.mailgate.example.net.":       false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("authorizations\n got %v\nwant %v", got, want)
	}
	if !cfg.Domain("contoso.com").ReportAuthManaged["mailgate.example.net"] || cfg.Domain("northwind.com").ReportAuthManaged["rua.dmarcian.example"] {
		t.Error("ReportAuthManaged wrong")
	}

	cfg, _ = parse(t, src("wildcard"))
	present := 0
	for _, a := range cfg.Domain("mailgate.example.net").ReportAuth {
		if a.Present {
			present++
			if a.Name != "*._report._dmarc.mailgate.example.net." && a.Name != "*._report._dmarc.reports.mailgate.example.net." {
				t.Errorf("wildcard mode publishes %s", a.Name)
			}
		}
	}
	if present != 2 {
		t.Errorf("%d wildcard records, want 2", present)
	}
}
