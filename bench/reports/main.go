// Command reports writes DMARC aggregate reports for benchmarks: n reports of
// r records each, spread over d policy domains and the mailbox providers
// that send most reports, gzip-compressed as they arrive, with one report in
// a hundred sent twice (a duplicate to be counted once).
//
//	go run ./bench/reports -n 10000 -records 100 -dir /tmp/dmarc-reports
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	n := flag.Int("n", 10000, "number of reports")
	records := flag.Int("records", 100, "records per report")
	domains := flag.Int("domains", 500, "policy domains")
	dir := flag.String("dir", "", "output directory (created)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("reports: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	orgs := []string{"google.com", "Enterprise Outlook", "Yahoo", "Mail.Ru", "comcast.net", "GMX"}
	rng := rand.New(rand.NewPCG(1, 2))
	begin := int64(1798761600) // 2027-01-01
	for i := range *n {
		org := orgs[i%len(orgs)]
		domain := fmt.Sprintf("customer%04d.example", i%*domains)
		day := begin + int64(i/len(orgs)%60)*86400
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>%s</org_name>
    <email>noreply-dmarc@example.net</email>
    <report_id>%d.%s</report_id>
    <date_range><begin>%d</begin><end>%d</end></date_range>
  </report_metadata>
  <policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>
`, org, i, domain, day, day+86399, domain)
		for r := range *records {
			ip := fmt.Sprintf("198.51.%d.%d", r%250, rng.IntN(250)+1)
			dkim, spf := "pass", "pass"
			if rng.IntN(20) == 0 {
				dkim, spf = "fail", "fail"
			} else if rng.IntN(5) == 0 {
				spf = "fail"
			}
			fmt.Fprintf(&b, `  <record>
    <row>
      <source_ip>%s</source_ip>
      <count>%d</count>
      <policy_evaluated><disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated>
    </row>
    <identifiers><header_from>%s</header_from></identifiers>
    <auth_results><dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim><spf><domain>%s</domain><result>%s</result></spf></auth_results>
  </record>
`, ip, 1+rng.IntN(500), dkim, spf, domain, domain, dkim, domain, spf)
		}
		b.WriteString("</feedback>\n")
		name := fmt.Sprintf("%s!%s!%d!%d!%d.xml.gz", strings.ReplaceAll(org, " ", "_"), domain, day, day+86399, i)
		write(filepath.Join(*dir, name), b.String())
		if i%100 == 99 {
			write(filepath.Join(*dir, "again-"+name), b.String())
		}
	}
}

func write(path, text string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := gzip.NewWriter(f)
	if _, err := w.Write([]byte(text)); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
