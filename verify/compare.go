package verify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// verdict is the judgement of one answer for one record.
type verdict struct {
	state  State
	served string // what was served, short, when stale
	err    string // why the answer is no answer, when error
	netErr bool   // no answer came at all (timeout, refused, unreachable)
}

// judge decides whether answer r, from an address asked for rec's name and type,
// serves exactly the expected owned values.
func judge(rec Record, r *dns.Msg) verdict {
	if e := rcodeError(r); e != "" {
		return verdict{state: StateError, err: e}
	}
	if !r.Authoritative {
		return verdict{state: StateError, err: "lame: answer without AA"}
	}
	qtype := dns.StringToType[rec.Set.Type]
	var got []string
	var alias string
	for _, rr := range r.Answer {
		h := rr.Header()
		if !strings.EqualFold(h.Name, rec.Set.Name) {
			continue
		}
		if h.Rrtype == qtype {
			if v := rrValue(rr); rec.owns(v) {
				got = append(got, v)
			}
		} else if c, ok := rr.(*dns.CNAME); ok {
			alias = "CNAME " + rrset.Absolute(c.Target, ".")
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	var want []string
	for _, v := range rec.Set.Values {
		if rec.owns(v) {
			want = append(want, v)
		}
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if slices.Equal(got, want) {
		return verdict{state: StateOK}
	}
	served := summarize(got)
	switch {
	case len(got) > 0:
	case alias != "":
		served = alias
	case r.Rcode == dns.RcodeNameError:
		served = "nothing (NXDOMAIN)"
	default:
		served = "nothing"
	}
	return verdict{state: StateStale, served: served}
}

// rrValue is the record data of rr in rrset's normalized form: TXT
// character-strings joined, names absolute and lower case.
func rrValue(rr dns.RR) string {
	typ := dns.TypeToString[rr.Header().Rrtype]
	switch v := rr.(type) {
	case *dns.TXT:
		// miekg/dns keeps each character-string in escaped presentation form.
		return rrset.JoinTXT(`"` + strings.Join(v.Txt, `" "`) + `"`)
	case *dns.MX:
		return rrset.NormalizeValue(typ, fmt.Sprintf("%d %s", v.Preference, v.Mx))
	case *dns.CNAME:
		return rrset.NormalizeValue(typ, v.Target)
	}
	return rrset.NormalizeValue(typ, strings.TrimPrefix(rr.String(), rr.Header().String()))
}

// maxServed bounds the length of each value shown as served.
const maxServed = 48

// summarize shortens values for a matrix cell.
func summarize(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		if len(v) > maxServed {
			cut := maxServed
			for cut > 0 && v[cut]&0xC0 == 0x80 {
				cut--
			}
			v = v[:cut] + "…"
		}
		out[i] = v
	}
	return strings.Join(out, " | ")
}
