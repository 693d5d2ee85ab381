package lint

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/schema"
)

// Codes of the DMARC findings.
const (
	CodeDMARCTooManyURIs   = "dmarc-too-many-uris" // more than two URIs in rua or ruf
	CodeDMARCUnauthorized  = "dmarc-unauthorized"  // an external destination has not agreed to take reports
	CodeDMARCNoMX          = "dmarc-no-mx"         // a destination domain cannot receive mail
	CodeDMARCMXFallback    = "dmarc-mx-fallback"   // a destination domain has only A/AAAA
	CodeDMARCLookupFailure = "dmarc-lookup-failed" // a lookup failed, so a check could not be made
)

const (
	maxReportURIs   = 2                  // RFC 7489 §6.2: receivers must support two
	reportAuthLabel = "._report._dmarc." // RFC 7489 §7.1
	mailto          = "mailto:"          // the only report scheme mailzone writes
)

// OrgDomain returns the organizational domain of name: the registered domain
// under its public suffix (golang.org/x/net/publicsuffix), or name itself
// when it is a public suffix.
func OrgDomain(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	org, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return org
}

// checkDMARC checks where the desired DMARC record sends reports: at most two
// URIs per tag, every destination outside the domain's organizational domain
// authorized by <domain>._report._dmarc.<destination> (RFC 7489 §7.1), and
// every destination domain able to receive mail. An authorization the
// file itself publishes (the destination's zone is in it) is not looked up:
// the plan creates it.
func checkDMARC(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	if d.DMARC == nil || d.DMARC.Absent || d.DMARC.Text == "" {
		return nil
	}
	rec, _ := dmarc.Parse(d.DMARC.Text)
	var out []Finding
	add := func(s Severity, code, format string, args ...any) {
		out = append(out, finding(d, "dmarc", Problem{s, code, fmt.Sprintf(format, args...)}))
	}
	type dest struct {
		domain string
		uris   []string
	}
	var dests []*dest
	byDomain := map[string]*dest{}
	for _, tag := range []string{"rua", "ruf"} {
		v, ok := rec.Get(tag)
		if !ok {
			continue
		}
		var uris []string
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				uris = append(uris, u)
			}
		}
		if len(uris) > maxReportURIs {
			add(Warning, CodeDMARCTooManyURIs, "%s lists %d URIs; receivers need only send to %d (RFC 7489 §6.2), so the others may get nothing", tag, len(uris), maxReportURIs)
		}
		for _, u := range uris {
			dom := reportDomain(u)
			if dom == "" {
				continue
			}
			x := byDomain[dom]
			if x == nil {
				x = &dest{domain: dom}
				byDomain[dom] = x
				dests = append(dests, x)
			}
			x.uris = append(x.uris, tag+"="+u)
		}
	}
	org := OrgDomain(d.Name)
	for _, x := range dests {
		uris := strings.Join(x.uris, ", ")
		if OrgDomain(x.domain) != org && !d.ReportAuthManaged[x.domain] {
			name := d.Name + reportAuthLabel + x.domain
			ans, err := r.Lookup(ctx, name, dns.TypeTXT)
			switch {
			case err != nil:
				add(Error, CodeDMARCLookupFailure, "%s: cannot check that %s accepts reports for %s: %s", uris, x.domain, d.Name, lookupReason(err))
			case !hasDMARC1(ans.TXT()):
				why := ans.Status.String()
				if !ans.Void() {
					why = "no v=DMARC1 record there"
				}
				add(Error, CodeDMARCUnauthorized, "%s: %s is outside %s and has not agreed to take its reports: no v=DMARC1 TXT at %s (%s), so receivers send none (RFC 7489 §7.1); ask %s to publish it (or *._report._dmarc.%s)",
					uris, x.domain, org, name, why, x.domain, x.domain)
			}
		}
		out = append(out, reportMX(ctx, r, d, x.domain, uris)...)
	}
	return out
}

// reportMX checks that a report destination domain receives mail.
func reportMX(ctx context.Context, r Resolver, d *schema.Domain, domain, uris string) []Finding {
	one := func(s Severity, code, format string, args ...any) []Finding {
		return []Finding{finding(d, "dmarc", Problem{s, code, fmt.Sprintf(format, args...)})}
	}
	ans, err := r.Lookup(ctx, domain, dns.TypeMX)
	if err != nil {
		return one(Error, CodeDMARCLookupFailure, "%s: cannot check that %s receives mail: %s", uris, domain, lookupReason(err))
	}
	mxs := ans.MX()
	if len(mxs) == 1 && mxs[0].Mx == "." {
		return one(Error, CodeDMARCNoMX, "%s: %s publishes a null MX (RFC 7505) and accepts no mail, so reports to it are lost", uris, domain)
	}
	if len(mxs) > 0 {
		return nil
	}
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		a, err := r.Lookup(ctx, domain, qt)
		if err == nil && len(a.Addrs()) > 0 {
			return one(Warning, CodeDMARCMXFallback, "%s: %s has no MX record, only an address (the RFC 5321 §5.1 fallback); publish an MX for it", uris, domain)
		}
	}
	return one(Error, CodeDMARCNoMX, "%s: %s has no MX and no A or AAAA record (%s), so reports to it cannot be delivered", uris, domain, ans.Status)
}

// reportDomain returns the domain of a mailto: report URI, lower case; ""
// for other schemes.
func reportDomain(uri string) string {
	if len(uri) < len(mailto) || !strings.EqualFold(uri[:len(mailto)], mailto) {
		return ""
	}
	addr := uri[len(mailto):]
	if i := strings.LastIndexByte(addr, '!'); i >= 0 {
		addr = addr[:i] // size limit, "!10m"
	}
	if i := strings.IndexByte(addr, '?'); i >= 0 {
		addr = addr[:i]
	}
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
}

// hasDMARC1 reports whether a TXT set holds an authorization record, which
// begins with the tag v=DMARC1 (RFC 7489 §7.1).
func hasDMARC1(txt []string) bool {
	for _, t := range txt {
		if schema.IsDMARC(t) {
			return true
		}
	}
	return false
}
