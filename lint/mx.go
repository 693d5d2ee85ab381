package lint

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/schema"
)

// Codes of the MX findings.
const (
	CodeMXIPLiteral   = "mx-ip-literal"    // the target is an address, not a host name
	CodeMXCNAME       = "mx-cname"         // the target is an alias (RFC 2181 §10.3)
	CodeMXNoAddress   = "mx-no-address"    // the target has no A or AAAA record
	CodeMXNullMixed   = "mx-null-mixed"    // a null MX published beside other MX records
	CodeMXNoPTR       = "mx-no-ptr"        // an address of the target has no PTR record
	CodeMXFCrDNS      = "mx-fcrdns"        // the PTR name does not resolve back to the address
	CodeMXLookupError = "mx-lookup-failed" // a lookup failed, so a check could not be made
)

// checkMX checks the desired MX target as receivers and senders will see it:
// a host name with addresses, not an alias, each address with reverse DNS
// that resolves forward to it again. For a null MX it checks only that the
// published MX set does not mix it with other targets.
func checkMX(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	if d.MX == nil {
		return nil
	}
	var out []Finding
	add := func(s Severity, code, format string, args ...any) {
		out = append(out, finding(d, "mx", Problem{s, code, fmt.Sprintf(format, args...)}))
	}
	if live, err := r.Lookup(ctx, d.Name, dns.TypeMX); err == nil {
		mxs := live.MX()
		for _, m := range mxs {
			if m.Mx == "." && len(mxs) > 1 {
				add(Warning, CodeMXNullMixed, "published MX set has a null MX (RFC 7505) beside %d other records; a null MX must stand alone", len(mxs)-1)
				break
			}
		}
	}
	host := strings.ToLower(d.MX.Host)
	if host == "." || host == "" {
		return out
	}
	if _, err := netip.ParseAddr(strings.TrimSuffix(host, ".")); err == nil {
		add(Error, CodeMXIPLiteral, "MX target %s is an IP address; an MX names a host (RFC 7505 §3, RFC 5321 §5.1)", host)
		return out
	}
	var addrs []netip.Addr
	var void []string
	aliased := false
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		ans, err := r.Lookup(ctx, host, qt)
		if err != nil {
			add(Error, CodeMXLookupError, "MX target %s: lookup failed: %s", host, lookupReason(err))
			continue
		}
		if c := ans.CNAMEs(); len(c) > 0 && !aliased {
			aliased = true
			add(Error, CodeMXCNAME, "MX target %s is an alias (CNAME to %s); an MX must name the host itself (RFC 2181 §10.3, RFC 5321 §5.1); use %s",
				host, strings.Join(c, " → "), c[len(c)-1])
		}
		if ans.Void() {
			void = append(void, dns.TypeToString[qt]+" "+ans.Status.String())
		}
		addrs = append(addrs, ans.Addrs()...)
	}
	if len(addrs) == 0 {
		if len(void) == 2 {
			add(Error, CodeMXNoAddress, "MX target %s has no A or AAAA record (%s), so mail to %s cannot be delivered", host, strings.Join(void, ", "), d.Name)
		}
		return out
	}
	for _, a := range addrs {
		out = append(out, fcrdns(ctx, r, d, host, a)...)
	}
	return out
}

// fcrdns checks that addr has a PTR record whose name resolves back to addr.
func fcrdns(ctx context.Context, r Resolver, d *schema.Domain, host string, addr netip.Addr) []Finding {
	warn := func(code, format string, args ...any) []Finding {
		return []Finding{finding(d, "mx", Problem{Warning, code, fmt.Sprintf(format, args...)})}
	}
	rev, err := dns.ReverseAddr(addr.String())
	if err != nil {
		return nil
	}
	ans, err := r.Lookup(ctx, rev, dns.TypePTR)
	if err != nil {
		return warn(CodeMXLookupError, "reverse DNS of %s (%s): lookup failed: %s", addr, host, lookupReason(err))
	}
	names := ans.PTR()
	if len(names) == 0 {
		return warn(CodeMXNoPTR, "%s (address of %s) has no PTR record (%s); receivers and senders that check forward-confirmed reverse DNS distrust it",
			addr, host, ans.Status)
	}
	qt := dns.TypeA
	if addr.Is6() {
		qt = dns.TypeAAAA
	}
	for _, n := range names {
		fwd, err := r.Lookup(ctx, n, qt)
		if err == nil && slices.Contains(fwd.Addrs(), addr) {
			return nil
		}
	}
	return warn(CodeMXFCrDNS, "%s (address of %s) has PTR %s, which does not resolve back to %s; forward-confirmed reverse DNS fails",
		addr, host, strings.Join(names, ", "), addr)
}
