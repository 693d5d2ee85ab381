package lint

import "github.com/mailzone/mailzone/schema"

// Diagnostics turns the errors and warnings among findings into
// configuration diagnostics at their positions (for GitHub annotations);
// infos are left out.
func Diagnostics(findings []Finding) schema.Diagnostics {
	var ds schema.Diagnostics
	for _, f := range findings {
		if f.Severity == Info {
			continue
		}
		sev := schema.Error
		if f.Severity == Warning {
			sev = schema.Warning
		}
		ds = append(ds, schema.Diagnostic{Pos: f.Pos, Field: "domains." + f.Domain + "." + f.Field, Severity: sev, Msg: f.Msg})
	}
	return ds
}
