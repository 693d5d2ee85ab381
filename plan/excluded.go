package plan

import "github.com/mailzone/mailzone/lint"

// Exclusions lists the domains in bad (see lint.ErrorDomains) with the error
// findings of each as its reasons, in the order of the findings: what a
// partial plan says it left out, and why.
func Exclusions(bad map[string]bool, findings []lint.Finding) []Excluded {
	var out []Excluded
	at := map[string]int{}
	for _, f := range findings {
		if !bad[f.Domain] || f.Severity != lint.Error {
			continue
		}
		i, ok := at[f.Domain]
		if !ok {
			i = len(out)
			at[f.Domain] = i
			out = append(out, Excluded{Domain: f.Domain})
		}
		out[i].Reasons = append(out[i].Reasons, f.Field+": "+f.Msg)
	}
	for d := range bad {
		if _, ok := at[d]; !ok {
			out = append(out, Excluded{Domain: d, Reasons: []string{"the checks that need DNS found errors"}})
		}
	}
	return out
}
