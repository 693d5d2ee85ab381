package lint

import "github.com/mailzone/mailzone/schema"

// FindingDoc is one finding of lint, or one diagnostic of the
// configuration, in the documented JSON shape of `lint --format json`
// (docs/json.md).
type FindingDoc struct {
	Domain   string `json:"domain,omitempty"`
	Field    string `json:"field"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

// Docs lists the configuration's diagnostics (code "config"), then the
// findings, as FindingDocs; never nil.
func Docs(diags schema.Diagnostics, fs []Finding) []FindingDoc {
	out := []FindingDoc{}
	for _, d := range diags {
		out = append(out, FindingDoc{Field: d.Field, File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Severity: d.Severity.String(), Code: "config", Message: d.Msg})
	}
	for _, f := range fs {
		out = append(out, FindingDoc{Domain: f.Domain, Field: f.Field, File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Severity: f.Severity.String(), Code: f.Code, Message: f.Msg})
	}
	return out
}
