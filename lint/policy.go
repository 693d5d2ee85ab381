package lint

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/schema"
)

// Finding codes of the MTA-STS and TLS-RPT checks.
const (
	CodeMTASTSNoHost    = "mta-sts-no-host"      // mta-sts.<domain> has no address to serve the policy
	CodeTLSRPTNoMX      = "tls-rpt-no-mx"        // a mailto: destination domain cannot receive mail
	CodePolicyLookupErr = "policy-lookup-failed" // a lookup failed, so a check could not be made
)

// checkPolicies checks what the MTA-STS and TLS-RPT records point at: the
// MTA-STS policy is served from https://mta-sts.<domain>/.well-known/mta-sts.txt,
// so that host must resolve, or senders find the _mta-sts record and no
// policy (RFC 8461 §3.3); TLS-RPT mailto: destinations must take mail.
func checkPolicies(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	var out []Finding
	add := func(field string, s Severity, code, format string, args ...any) {
		out = append(out, finding(d, field, Problem{s, code, fmt.Sprintf(format, args...)}))
	}
	if d.MTASTS != nil && !d.MTASTS.Absent {
		host := "mta-sts." + d.Name + "."
		found, failed := false, ""
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			ans, err := r.Lookup(ctx, host, qt)
			if err != nil {
				failed = lookupReason(err)
				continue
			}
			if len(ans.Addrs()) > 0 {
				found = true
			}
		}
		switch {
		case found:
			out = append(out, checkMTASTSPolicy(ctx, r, d)...)
		case failed != "":
			add("mta_sts", Error, CodePolicyLookupErr, "%s: lookup failed: %s", host, failed)
		default:
			add("mta_sts", Error, CodeMTASTSNoHost, "%s has no A or AAAA record, so senders cannot fetch the MTA-STS policy the _mta-sts record announces (RFC 8461 §3.3); publish the policy host first", host)
		}
	}
	if d.TLSRPT != nil && !d.TLSRPT.Absent {
		seen := map[string]bool{}
		for _, uri := range strings.Split(strings.TrimPrefix(d.TLSRPT.Text, "v=TLSRPTv1; rua="), ",") {
			addr, ok := strings.CutPrefix(uri, "mailto:")
			at := strings.LastIndexByte(addr, '@')
			if !ok || at < 0 {
				continue
			}
			dest := strings.ToLower(strings.TrimSuffix(addr[at+1:], ".")) + "."
			if seen[dest] {
				continue
			}
			seen[dest] = true
			ans, err := r.Lookup(ctx, dest, dns.TypeMX)
			if err != nil {
				add("tls_rpt", Error, CodePolicyLookupErr, "%s MX: lookup failed: %s", dest, lookupReason(err))
				continue
			}
			if len(ans.MX()) > 0 {
				continue
			}
			if a, err := r.Lookup(ctx, dest, dns.TypeA); err == nil && len(a.Addrs()) > 0 {
				continue // RFC 5321 §5.1 implicit MX
			}
			add("tls_rpt", Warning, CodeTLSRPTNoMX, "rua=%s: %s has no MX and no address, so TLS reports to it cannot be delivered", uri, dest)
		}
	}
	return out
}
