package lint

import (
	"context"
	"testing"

	"github.com/mailzone/mailzone/schema"
)

const policyZone = `
$ORIGIN example.
$TTL 300
mta-sts.served     A     192.0.2.80
mta-sts.v6only     AAAA  2001:db8::80
reports            MX    10 mx.reports.example.
addronly           A     192.0.2.25
`

func TestPolicies(t *testing.T) {
	srv := newTestDNS(t, policyZone)
	tests := []struct {
		name   string
		domain string
		sts    *schema.TXTField
		rpt    *schema.TXTField
		want   []string
	}{
		{"policy host served", "served.example", &schema.TXTField{Text: "v=STSv1; id=1"}, nil, nil},
		{"policy host on IPv6 only", "v6only.example", &schema.TXTField{Text: "v=STSv1; id=1"}, nil, nil},
		{"policy host missing", "missing.example", &schema.TXTField{Text: "v=STSv1; id=1"}, nil, []string{
			"error mta_sts mta-sts-no-host: mta-sts.missing.example. has no A or AAAA record, so senders cannot fetch the MTA-STS policy the _mta-sts record announces (RFC 8461 §3.3); publish the policy host first",
		}},
		{"deleted record needs no host", "missing.example", &schema.TXTField{Absent: true}, nil, nil},
		{"reports to a domain with MX", "served.example", nil, &schema.TXTField{Text: "v=TLSRPTv1; rua=mailto:tls@reports.example,https://reports.example/tls"}, nil},
		{"reports to an address-only domain", "served.example", nil, &schema.TXTField{Text: "v=TLSRPTv1; rua=mailto:tls@addronly.example"}, nil},
		{"reports to nowhere", "served.example", nil, &schema.TXTField{Text: "v=TLSRPTv1; rua=mailto:tls@nx.example"}, []string{
			"warning tls_rpt tls-rpt-no-mx: rua=mailto:tls@nx.example: nx.example. has no MX and no address, so TLS reports to it cannot be delivered",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &schema.Domain{Name: tt.domain, MTASTS: tt.sts, TLSRPT: tt.rpt}
			checkLines(t, tt.name, checkPolicies(context.Background(), srv.resolver(t), d), tt.want)
		})
	}
}
