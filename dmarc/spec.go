package dmarc

import (
	"strconv"
	"strings"
)

// Spec is the builder form of a DMARC policy, as written in mailzone.yaml.
// Empty fields are left out of the record.
type Spec struct {
	// Policy (p), SubdomainPolicy (sp) and NonexistentPolicy (np) are
	// none, quarantine or reject.
	Policy, SubdomainPolicy, NonexistentPolicy string
	// ADKIM and ASPF are the alignment modes, r or s.
	ADKIM, ASPF string
	// RUA and RUF are report destinations, mailto: URIs.
	RUA, RUF []string
	// FO is the failure reporting option, such as "1" or "d:s".
	FO string
	// Testing publishes t=y (RFC 9989).
	Testing bool
	// PSD is the public suffix domain flag y, n or u (RFC 9989).
	PSD string
	// PCT, RF and RI are RFC 7489 tags that RFC 9989 removed; Check warns.
	PCT *int
	RF  string
	RI  *int
}

// Render returns the record text with tags in a fixed order: v, p, sp, np,
// adkim, aspf, pct, rf, ri, rua, ruf, fo, t, psd. rua and ruf are joined
// with ",".
func (s Spec) Render() string {
	tags := []string{"v=DMARC1"}
	add := func(name, value string) {
		if value != "" {
			tags = append(tags, name+"="+value)
		}
	}
	add("p", s.Policy)
	add("sp", s.SubdomainPolicy)
	add("np", s.NonexistentPolicy)
	add("adkim", s.ADKIM)
	add("aspf", s.ASPF)
	if s.PCT != nil {
		add("pct", strconv.Itoa(*s.PCT))
	}
	add("rf", s.RF)
	if s.RI != nil {
		add("ri", strconv.Itoa(*s.RI))
	}
	add("rua", strings.Join(s.RUA, ","))
	add("ruf", strings.Join(s.RUF, ","))
	add("fo", s.FO)
	if s.Testing {
		add("t", "y")
	}
	add("psd", s.PSD)
	return strings.Join(tags, "; ")
}

// Check renders the Spec and returns the problems Parse finds in the text,
// so builder and raw records get the same messages.
func (s Spec) Check() []Problem {
	_, problems := Parse(s.Render())
	return problems
}

// FromRecord returns the Spec whose Render is byte-identical to r.String(),
// and false when there is none (for example the record has unknown tags,
// t=n, or tags out of the builder's order).
func FromRecord(r *Record) (Spec, bool) {
	var s Spec
	for _, t := range r.Tags {
		switch t.Name {
		case "v":
		case "p":
			s.Policy = t.Value
		case "sp":
			s.SubdomainPolicy = t.Value
		case "np":
			s.NonexistentPolicy = t.Value
		case "adkim":
			s.ADKIM = t.Value
		case "aspf":
			s.ASPF = t.Value
		case "rua":
			s.RUA = splitURIs(t.Value)
		case "ruf":
			s.RUF = splitURIs(t.Value)
		case "fo":
			s.FO = t.Value
		case "t":
			s.Testing = t.Value == "y"
		case "psd":
			s.PSD = t.Value
		case "pct", "ri":
			n, err := strconv.Atoi(t.Value)
			if err != nil {
				return Spec{}, false
			}
			if t.Name == "pct" {
				s.PCT = &n
			} else {
				s.RI = &n
			}
		case "rf":
			s.RF = t.Value
		default:
			return Spec{}, false
		}
	}
	if s.Render() != r.String() {
		return Spec{}, false
	}
	return s, true
}

func splitURIs(v string) []string {
	uris := strings.Split(v, ",")
	for i, u := range uris {
		uris[i] = strings.Trim(u, wsp)
	}
	return uris
}
