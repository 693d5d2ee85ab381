package session

import (
	"encoding/json"
)

// JSONVersion is the format_version of every JSON document mailzone prints
// besides the plan (plan.FormatVersion): lint, verify, apply and import.
// Fields are only ever added. The shapes are documented in docs/json.md.
const JSONVersion = 1

// jsonMode switches a command to JSON output: everything it would print for
// people goes to stderr, and the document returned by the returned function
// goes to stdout, once, at the end.
func (r *Session) jsonMode() func(v any) {
	out := r.Env.Stdout
	r.Env.Stdout = r.Env.Stderr
	return func(v any) {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			r.errorf("json: %v", err)
			return
		}
		out.Write(append(data, '\n'))
	}
}
