package aggregate

import (
	"bytes"
	"fmt"
	"testing"
)

// report100 is one aggregate report of 100 records, as Google writes them.
func report100() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?><feedback><report_metadata><org_name>google.com</org_name><report_id>1</report_id><date_range><begin>1798761600</begin><end>1798847999</end></date_range></report_metadata><policy_published><domain>contoso.com</domain><p>none</p></policy_published>`)
	for i := range 100 {
		fmt.Fprintf(&b, `<record><row><source_ip>198.51.100.%d</source_ip><count>%d</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>contoso.com</header_from></identifiers><auth_results><dkim><domain>contoso.com</domain><selector>s1</selector><result>pass</result></dkim><spf><domain>contoso.com</domain><result>pass</result></spf></auth_results></record>`, i+1, i+7)
	}
	b.WriteString("</feedback>")
	return b.Bytes()
}

// BenchmarkParse parses one 100-record report; scripts/bench-reports
// measures 10,000 of them through the command, with memory.
func BenchmarkParse(b *testing.B) {
	data := report100()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
