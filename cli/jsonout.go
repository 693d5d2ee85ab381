package cli

import (
	"encoding/json"
	"fmt"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// JSONVersion is the format_version of every JSON document mailzone prints
// besides the plan (plan.FormatVersion): lint, verify, apply and import.
// Fields are only ever added. The shapes are documented in docs/json.md.
const JSONVersion = 1

// jsonMode switches a command to JSON output: everything it would print for
// people goes to stderr, and the document returned by the returned function
// goes to stdout, once, at the end.
func (r *run) jsonMode() func(v any) {
	out := r.env.Stdout
	r.env.Stdout = r.env.Stderr
	return func(v any) {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			r.errorf("json: %v", err)
			return
		}
		out.Write(append(data, '\n'))
	}
}

// jsonFinding is one lint finding or configuration diagnostic.
type jsonFinding struct {
	Domain   string `json:"domain,omitempty"`
	Field    string `json:"field"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func findingsJSON(diags schema.Diagnostics, fs []lint.Finding) []jsonFinding {
	out := []jsonFinding{}
	for _, d := range diags {
		out = append(out, jsonFinding{Field: d.Field, File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Severity: d.Severity.String(), Code: "config", Message: d.Msg})
	}
	for _, f := range fs {
		out = append(out, jsonFinding{Domain: f.Domain, Field: f.Field, File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Severity: f.Severity.String(), Code: f.Code, Message: f.Msg})
	}
	return out
}

// jsonVerifyZone is one zone of a verification.
type jsonVerifyZone struct {
	Zone        string          `json:"zone"`
	Verified    bool            `json:"verified"`
	Error       string          `json:"error,omitempty"`
	Nameservers []jsonVerifyRow `json:"nameservers"`
	Delegation  string          `json:"delegation,omitempty"`
	Records     []string        `json:"records"`
}

// jsonVerifyRow is one nameserver address and what it served for each record.
type jsonVerifyRow struct {
	Nameserver string           `json:"nameserver"`
	Address    string           `json:"address,omitempty"`
	Cells      []jsonVerifyCell `json:"records"`
}

type jsonVerifyCell struct {
	Field  string `json:"field"`
	State  string `json:"state"`
	Served string `json:"served,omitempty"`
	Error  string `json:"error,omitempty"`
}

func verifyJSON(zone string, res *verify.Result, err error, del fmt.Stringer) jsonVerifyZone {
	z := jsonVerifyZone{Zone: zone, Nameservers: []jsonVerifyRow{}, Records: []string{}}
	if err != nil {
		z.Error = err.Error()
	}
	if del != nil {
		z.Delegation = del.String()
	}
	if res == nil {
		return z
	}
	z.Verified = res.Verified && err == nil
	for _, rec := range res.Records {
		z.Records = append(z.Records, rec.Field)
	}
	for _, row := range res.Rows {
		jr := jsonVerifyRow{Nameserver: row.Nameserver, Address: row.Addr, Cells: []jsonVerifyCell{}}
		for i, c := range row.Cells {
			f := ""
			if i < len(res.Records) {
				f = res.Records[i].Field
			}
			state := string(c.State)
			if state == "" {
				state = "pending"
			}
			jr.Cells = append(jr.Cells, jsonVerifyCell{Field: f, State: state, Served: c.Served, Error: c.Err})
		}
		z.Nameservers = append(z.Nameservers, jr)
	}
	return z
}
