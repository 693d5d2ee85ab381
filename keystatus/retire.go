package keystatus

import "strings"

// Retirable decides whether selector may be retired, from the statuses of
// its domain's selectors: only when another selector is ready to sign with,
// since retiring the last usable key would leave the domain's mail unsigned
// or failing. It returns the ready others, or why none is ("it has no other
// selector", "mz202612 is propagating"); revoked is true when the selector
// is revoked already.
func Retirable(sts []Status, selector string) (ready []string, why string, revoked bool) {
	var states []string
	for _, st := range sts {
		switch {
		case st.Selector == selector && st.State == "revoked":
			return nil, "", true
		case st.Selector == selector:
		case st.State == "ready":
			ready = append(ready, st.Selector)
		default:
			states = append(states, st.Selector+" is "+st.State)
		}
	}
	if len(ready) > 0 {
		return ready, "", false
	}
	if len(states) == 0 {
		return nil, "it has no other selector", false
	}
	return nil, strings.Join(states, ", "), false
}
