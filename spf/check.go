package spf

import "strings"

// Policy holds the switches of Check.
type Policy struct {
	// AllowSoftfail accepts "~all" in place of "-all".
	AllowSoftfail bool
}

// maxLookups is the limit of RFC 7208 section 4.6.4 on DNS-querying terms.
const maxLookups = 10

// maxBytes keeps a record, with the rest of the answer, inside a 512-byte
// UDP DNS response (RFC 7208 section 3.4).
const maxBytes = 450

// Check applies mailzone's strict rules to a parsed record and returns every
// finding at once: term findings in record order, then record findings.
//
// A record must end with "-all" ("~all" only with AllowSoftfail) unless it
// has a redirect; "+all", "all", "?all" and ptr are errors; the record may
// not need more than 10 DNS lookups itself; redirect and exp may appear once;
// no mechanism may follow "all". Redirect next to "all", records over 450
// bytes and duplicate terms are warnings.
func Check(r *Record, p Policy) []Problem {
	var problems []Problem
	var all *Term
	redirects, exps := 0, 0
	seen := map[string]bool{}
	for i := range r.Terms {
		t := &r.Terms[i]
		key := string(t.Qualifier) + t.Mechanism + "\x00" + t.Modifier + "\x00" + strings.ToLower(t.Value)
		switch {
		case t.Modifier == "redirect":
			redirects++
			if redirects > 1 {
				problems = append(problems, errorf(t.Text, `redirect may appear only once (RFC 7208 section 6); remove the extra one`))
			}
		case t.Modifier == "exp":
			exps++
			if exps > 1 {
				problems = append(problems, errorf(t.Text, `exp may appear only once (RFC 7208 section 6); remove the extra one`))
			}
		case t.Mechanism != "" && all != nil:
			problems = append(problems, errorf(t.Text, `comes after %q and is never evaluated; move it before "all" or remove it`, all.Text))
		case seen[key]:
			problems = append(problems, warnf(t.Text, "appears more than once; remove the duplicate"))
		}
		seen[key] = true
		switch t.Mechanism {
		case "ptr":
			problems = append(problems, errorf(t.Text, `ptr is slow and unreliable and RFC 7208 section 5.5 says not to use it; list the addresses with ip4/ip6 or use "a"`))
		case "all":
			if all == nil {
				all = t
			}
			switch t.Qualifier {
			case '+':
				if t.Text == "all" {
					problems = append(problems, errorf(t.Text, `"all" without a qualifier means "+all" and lets any host send as this domain; use "-all"`))
				} else {
					problems = append(problems, errorf(t.Text, `"+all" lets any host send as this domain; use "-all"`))
				}
			case '?':
				problems = append(problems, errorf(t.Text, `"?all" is neutral and protects nothing; use "-all"`))
			case '~':
				if !p.AllowSoftfail {
					problems = append(problems, errorf(t.Text, `"~all" only marks forged mail as suspicious; use "-all", or set allow_softfail: true to publish softfail on purpose`))
				}
			}
		}
	}
	if all != nil && redirects > 0 {
		for _, t := range r.Terms {
			if t.Modifier == "redirect" {
				problems = append(problems, warnf(t.Text, `redirect is ignored because the record has %q (RFC 7208 section 6.1); remove one of them`, all.Text))
				break
			}
		}
	}
	if all == nil && redirects == 0 {
		problems = append(problems, errorf("", `record has neither "all" nor redirect, so unlisted hosts get a neutral result; end it with "-all"`))
	}
	if n := r.DNSLookups(); n > maxLookups {
		problems = append(problems, errorf("", "record needs %d DNS lookups (include, a, mx, ptr, exists, redirect); the limit is %d (RFC 7208 section 4.6.4), so remove or flatten some", n, maxLookups))
	}
	if n := len(r.String()); n > maxBytes {
		problems = append(problems, warnf("", "record is %d bytes; keep it to %d or fewer so the DNS answer fits in 512 bytes (RFC 7208 section 3.4)", n, maxBytes))
	}
	return problems
}
