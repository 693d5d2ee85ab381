package lint

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/schema"
)

// Codes of the DKIM findings.
const (
	CodeDKIMNotPublished = "dkim-not-published"  // the selector publishes nothing yet
	CodeDKIMMismatch     = "dkim-key-mismatch"   // the published key is not the desired one
	CodeDKIMBadKey       = "dkim-bad-key"        // a published record or key does not parse
	CodeDKIMMissing      = "dkim-target-missing" // a CNAME-delegated selector's target has no key
	CodeDKIMMultiple     = "dkim-multiple"       // more than one key record at a selector
	CodeDKIMTesting      = "dkim-testing"        // t=y: verifiers treat failures as unsigned
	CodeDKIMNotRevoked   = "dkim-not-revoked"    // a revoked selector still publishes a key
	CodeDKIMCNAMEDrift   = "dkim-cname-drift"    // the selector points elsewhere than desired
	CodeDKIMLookupFailed = "dkim-lookup-failed"  // a lookup failed, so a check could not be made
)

// checkDKIM checks each declared selector against what the DNS serves: a key
// selector's published key parses and is the desired one; a CNAME-delegated
// selector's target (usually an ESP's) serves a valid key; a revoked
// selector publishes an empty p=. t=y is warned wherever it is found.
func checkDKIM(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	var out []Finding
	for _, s := range d.DKIM {
		field := "dkim." + s.Name
		add := func(sev Severity, code, format string, args ...any) {
			out = append(out, finding(d, field, Problem{sev, code, fmt.Sprintf(format, args...)}))
		}
		name := s.Name + "._domainkey." + d.Name + "."
		switch s.Kind {
		case schema.KeySelector:
			if want, _ := dkim.ParseRecord(s.Text); want.Testing() {
				add(Warning, CodeDKIMTesting, "the desired record has t=y (testing): verifiers may treat failed signatures as unsigned; remove it in production")
			}
			ans, err := r.Lookup(ctx, name, dns.TypeTXT)
			if err != nil {
				add(Error, CodeDKIMLookupFailed, "%s: lookup failed: %s", name, lookupReason(err))
				continue
			}
			if c := ans.CNAMEs(); len(c) > 0 {
				add(Warning, CodeDKIMCNAMEDrift, "%s is published as a CNAME to %s; apply replaces it with the key", name, c[0])
			}
			rec, problems, note := oneKeyRecord(ans)
			switch {
			case note != "":
				add(Info, CodeDKIMNotPublished, "%s publishes no key yet (%s); apply publishes it", name, note)
			case rec.Revoked():
				add(Info, CodeDKIMNotPublished, "%s publishes a revoked key (p= is empty); apply publishes the desired key", name)
			case hasError(problems):
				add(Warning, CodeDKIMBadKey, "the key published at %s is not valid (%s); apply replaces it", name, problemText(problems))
			case !sameKey(rec, s.Text):
				add(Warning, CodeDKIMMismatch, "the key published at %s differs from the desired key; after apply, mail signed with the old private key fails DKIM, so rotate keys by adding a new selector", name)
			}
			if len(ans.TXT()) > 1 {
				add(Warning, CodeDKIMMultiple, "%s has %d TXT records; verifiers may pick any, so apply leaves one", name, len(ans.TXT()))
			}
			if rec != nil && rec.Testing() {
				add(Warning, CodeDKIMTesting, "the key published at %s has t=y (testing): verifiers may treat failed signatures as unsigned; remove it in production", name)
			}
		case schema.CNAMESelector:
			target := dns.Fqdn(strings.ToLower(s.Target))
			ans, err := r.Lookup(ctx, target, dns.TypeTXT)
			if err != nil {
				add(Error, CodeDKIMLookupFailed, "CNAME target %s: lookup failed: %s", target, lookupReason(err))
				continue
			}
			rec, problems, note := oneKeyRecord(ans)
			switch {
			case note != "":
				add(Error, CodeDKIMMissing, "selector %s points to %s, which serves no DKIM key (%s); mail signed with this selector fails DKIM", s.Name, target, note)
			case rec.Revoked():
				add(Error, CodeDKIMMissing, "selector %s points to %s, whose key is revoked (p= is empty); mail signed with this selector fails DKIM", s.Name, target)
			case hasError(problems):
				add(Error, CodeDKIMBadKey, "selector %s points to %s, whose key record is not valid: %s", s.Name, target, problemText(problems))
			}
			if len(ans.TXT()) > 1 {
				add(Error, CodeDKIMMultiple, "selector %s points to %s, which has %d TXT records; verifiers may pick any", s.Name, target, len(ans.TXT()))
			}
			if rec != nil && rec.Testing() {
				add(Warning, CodeDKIMTesting, "the key at %s has t=y (testing): verifiers may treat failed signatures as unsigned; ask its owner to remove it", target)
			}
		case schema.RevokedSelector:
			ans, err := r.Lookup(ctx, name, dns.TypeTXT)
			if err != nil {
				add(Error, CodeDKIMLookupFailed, "%s: lookup failed: %s", name, lookupReason(err))
				continue
			}
			if rec, _, note := oneKeyRecord(ans); note == "" && !rec.Revoked() {
				add(Warning, CodeDKIMNotRevoked, "selector %s is revoked in the configuration but %s still publishes a key; apply publishes an empty p=", s.Name, name)
			}
		}
	}
	return out
}

// oneKeyRecord parses the TXT answer at a selector; note says why there is
// no record to judge.
func oneKeyRecord(ans Answer) (*dkim.Record, []dkim.Problem, string) {
	txt := ans.TXT()
	switch {
	case ans.Void():
		return nil, nil, ans.Status.String()
	case len(txt) == 0:
		return nil, nil, "no TXT record"
	}
	rec, problems := dkim.ParseRecord(txt[0])
	return rec, problems, ""
}

// sameKey reports whether a published record carries the key of the desired
// record text.
func sameKey(published *dkim.Record, desired string) bool {
	want, _ := dkim.ParseRecord(desired)
	wk, wp := want.Key()
	pk, pp := published.Key()
	if hasError(wp) || hasError(pp) {
		return false
	}
	return wk.Algorithm == pk.Algorithm && bytes.Equal(wk.Public, pk.Public)
}

func hasError(ps []dkim.Problem) bool {
	for _, p := range ps {
		if p.Severity == dkim.Error {
			return true
		}
	}
	return false
}

func problemText(ps []dkim.Problem) string {
	var msgs []string
	for _, p := range ps {
		if p.Severity == dkim.Error {
			msgs = append(msgs, p.Error())
		}
	}
	if len(msgs) == 0 && len(ps) > 0 {
		msgs = append(msgs, ps[0].Error())
	}
	return strings.Join(msgs, "; ")
}
