package overview

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/mailzone/mailzone/aggregate"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// WriteHTML writes the report as one self-contained page: inline CSS and
// SVG, no script, no external font, image or style, and a Content Security
// Policy that forbids loading anything, so it can be mailed or published
// as it is. Every value (domain names and records from the configuration,
// reporter names from report files) is escaped by html/template for the
// context it lands in.
func (r *Report) WriteHTML(w io.Writer) error {
	return page.Execute(w, r)
}

// bar is one horizontal bar of a rate chart.
type bar struct {
	Label string
	Rate  float64
	Width string // of 200, in SVG user units
	Text  string
	Y     int
	Class string
}

// bars are the three rates of a domain's evidence.
func bars(e *aggregate.Domain) []bar {
	if e == nil {
		return nil
	}
	out := []bar{
		{Label: "DMARC pass", Rate: e.PassRate, Class: "pass"},
		{Label: "SPF aligned", Rate: e.SPFRate, Class: "spf"},
		{Label: "DKIM aligned", Rate: e.DKIMRate, Class: "dkim"},
	}
	for i := range out {
		out[i].Width = fmt.Sprintf("%.1f", out[i].Rate*200)
		out[i].Text = aggregate.Percent(out[i].Rate)
		out[i].Y = i * 18
	}
	return out
}

var page = template.Must(template.New("overview").Funcs(template.FuncMap{
	"bars":    bars,
	"count":   aggregate.Count,
	"percent": aggregate.Percent,
	"date":    func(t interface{ Format(string) string }) string { return t.Format("2006-01-02") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail authentication overview</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.meta { color: #5b6475; margin: 0 0 1.5rem; }
.stages { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0 0 2rem; padding: 0; list-style: none; }
.stages li { border: 1px solid #d8dde6; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.stages b { display: block; font-size: 1.5rem; }
.held b { color: #b3261e; }
section.domain { border-top: 1px solid #d8dde6; padding: 1rem 0; }
section.domain h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
dl { display: grid; grid-template-columns: 9rem 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: #5b6475; }
dd { margin: 0; overflow-wrap: anywhere; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f5f8; padding: 0 .25rem; border-radius: 3px; }
.state-ready { color: #1a7f37; } .state-pending, .state-propagating { color: #9a6700; } .state-retiring, .state-revoked { color: #5b6475; }
.hold { color: #b3261e; }
svg .pass { fill: #1a7f37; } svg .spf { fill: #3a6fd8; } svg .dkim { fill: #8250df; } svg .track { fill: #eef1f5; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
table.failing { border-collapse: collapse; margin-top: .3rem; }
table.failing td, table.failing th { padding: .1rem .6rem .1rem 0; text-align: left; }
</style>
</head>
<body>
<h1>Mail authentication overview</h1>
<p class="meta">{{len .Domains}} domain(s) in <code>{{.Config}}</code>, generated {{.Generated.Format "2006-01-02 15:04 MST"}}{{if .Evidence}}; DMARC evidence from <code>{{.Evidence}}</code>{{end}}.</p>
<ul class="stages" id="stages">
{{- range .Stages}}
<li{{if eq .Stage "held"}} class="held"{{end}}><b>{{.Domains}}</b>{{.Stage}}</li>
{{- end}}
</ul>
{{range .Domains -}}
<section class="domain" id="domain-{{.Name}}" data-domain="{{.Name}}">
<h2>{{.Name}}</h2>
<dl>
<dt>Provider</dt><dd>{{.Provider}}</dd>
{{if .Parked}}<dt>Mail</dt><dd>none (parked: null MX, <code>v=spf1 -all</code>, DMARC reject)</dd>
{{else}}<dt>MX</dt><dd>{{if .MX}}<code>{{.MX}}</code>{{else}}not managed{{end}}</dd>
<dt>SPF</dt><dd>{{if .SPF}}<code>{{.SPF}}</code> &middot; {{if .SPFLookups}}{{.SPFLookups}} of 10 DNS lookups{{else}}lookups {{if .SPFNote}}{{.SPFNote}}{{else}}not checked{{end}}{{end}}{{else}}not managed{{end}}</dd>
<dt>DKIM</dt><dd>{{range $i, $s := .DKIM}}{{if $i}}<br>{{end}}<code>{{$s.Name}}</code> {{$s.Kind}}{{if $s.Key}} ({{$s.Key}}){{end}}: <span class="state-{{$s.State}}">{{$s.State}}</span>{{else}}none declared{{end}}</dd>
{{end -}}
<dt>DMARC</dt><dd>{{if .DMARC}}<code>{{.DMARC}}</code>{{else}}not managed{{end}}</dd>
<dt>Stage</dt><dd>{{with .Rollout}}{{if .Held}}<span class="hold">{{.Held}}</span> (stage {{.Stage}} of {{.Stages}}; next {{.Next}}){{else if .Stage}}stage {{.Stage}} of {{.Stages}}, until {{date .Until}}, then {{.Next}}{{if .Gated}} if the evidence allows{{end}}{{else}}the rollout is complete{{end}}{{else}}{{.Step}}{{end}}</dd>
{{with .Evidence -}}
<dt>Reports</dt><dd>{{count .Messages}} messages in {{.Reports}} report(s) from {{range $i, $r := .Reporters}}{{if $i}}, {{end}}{{$r}}{{end}}<br>
<svg width="340" height="56" viewBox="0 0 340 56" role="img" aria-label="DMARC pass {{percent .PassRate}}, SPF aligned {{percent .SPFRate}}, DKIM aligned {{percent .DKIMRate}}">
{{- range bars .}}
<text x="0" y="{{.Y}}" dy="12">{{.Label}}</text><rect class="track" x="84" y="{{.Y}}" width="200" height="14"/><rect class="{{.Class}}" x="84" y="{{.Y}}" width="{{.Width}}" height="14"/><text x="292" y="{{.Y}}" dy="12">{{.Text}}</text>
{{- end}}
</svg>
{{- if .Failing}}
<table class="failing"><tr><th>Failing source</th><th>Messages</th><th>Seen by</th></tr>
{{- range .Failing}}<tr><td><code>{{.IP}}</code></td><td>{{count .Messages}}</td><td>{{range $i, $r := .Reporters}}{{if $i}}, {{end}}{{$r}}{{end}}</td></tr>{{end}}
</table>
{{- end}}</dd>
{{- end}}
{{if .MTASTS}}<dt>MTA-STS</dt><dd><code>{{.MTASTS}}</code></dd>{{end}}
{{if .TLSRPT}}<dt>TLS-RPT</dt><dd><code>{{.TLSRPT}}</code></dd>{{end}}
</dl>
</section>
{{end -}}
</body>
</html>
`))
