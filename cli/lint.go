package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/schema"
)

// lintOnline runs the checks that need DNS over ds, prints the findings to
// stderr (and as annotations under GitHub Actions), and returns the domains
// that have errors. ok is false when the resolver cannot be used at all.
func (r *run) lintOnline(ctx context.Context, cfg *schema.Config, ds []*schema.Domain, resolver string, parallel int) (bad map[string]bool, findings []lint.Finding, ok bool) {
	res, err := r.resolver(cfg, resolver)
	if err != nil {
		r.errorf("lint: %v (give --resolver, set defaults.resolver, or pass --offline to skip the checks that need DNS)", err)
		return nil, nil, false
	}
	findings = lint.Domains(ctx, res, ds, parallel)
	if len(findings) > 0 {
		var b bytes.Buffer
		lint.Text(&b, findings)
		r.env.Stderr.Write(b.Bytes())
	}
	if r.env.actions() {
		var ds schema.Diagnostics
		for _, f := range findings {
			if f.Severity == lint.Info {
				continue
			}
			sev := schema.Error
			if f.Severity == lint.Warning {
				sev = schema.Warning
			}
			ds = append(ds, schema.Diagnostic{Pos: f.Pos, Field: "domains." + f.Domain + "." + f.Field, Severity: sev, Msg: f.Msg})
		}
		r.annotate(ds)
	}
	return lint.ErrorDomains(findings), findings, true
}

func (r *run) lint(args []string) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	config := fs.String("c", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	fs.StringVar(config, "config", "", "configuration file (default: $MAILZONE_CONFIG, else mailzone.yaml in this directory or the nearest parent)")
	offline := fs.Bool("offline", false, "only the checks that need no DNS")
	resolver := fs.String("resolver", "", "recursive resolver (host:port) for the checks that need DNS")
	var domains multi
	fs.Var(&domains, "d", "limit to this domain (repeatable)")
	fs.Var(&domains, "domain", "limit to this domain (repeatable)")
	format := fs.String("format", "text", "output format: text or json (docs/json.md)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("lint", err)
	}
	if len(pos) > 0 {
		return r.usageError("lint", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if *format != "text" && *format != "json" {
		return r.usageError("lint", fmt.Errorf("--format must be text or json, not %q", *format))
	}
	var emit func(any)
	if *format == "json" {
		emit = r.jsonMode()
	}
	type lintDoc struct {
		FormatVersion int           `json:"format_version"`
		Config        string        `json:"config"`
		Domains       int           `json:"domains"`
		Offline       bool          `json:"offline"`
		Errors        int           `json:"errors"`
		Warnings      int           `json:"warnings"`
		Findings      []jsonFinding `json:"findings"`
	}
	cfg, ds, ok := r.selectDomains(*config, domains)
	if !ok {
		return ExitError
	}
	due := rotationWarnings(ds, r.now())
	r.diagnostics(due)
	if *offline {
		fmt.Fprintf(r.env.Stdout, "%s: %d domain(s), no errors, %d warning(s) (offline checks only)\n", cfg.File, len(ds), len(cfg.Warnings)+len(due))
		if emit != nil {
			emit(lintDoc{JSONVersion, cfg.File, len(ds), true, 0, len(cfg.Warnings) + len(due), findingsJSON(append(append(schema.Diagnostics{}, cfg.Warnings...), due...), nil)})
		}
		return ExitOK
	}
	_, findings, ok := r.lintOnline(context.Background(), cfg, ds, *resolver, defaultParallel)
	if !ok {
		return ExitError
	}
	errs, warns := lint.Count(findings)
	warns += len(cfg.Warnings) + len(due)
	fmt.Fprintf(r.env.Stdout, "%s: %d domain(s), %d error(s), %d warning(s)\n", cfg.File, len(ds), errs, warns)
	if emit != nil {
		emit(lintDoc{JSONVersion, cfg.File, len(ds), false, errs, warns, findingsJSON(append(append(schema.Diagnostics{}, cfg.Warnings...), due...), findings)})
	}
	if errs > 0 {
		return ExitError
	}
	return ExitOK
}

// rotationWarnings warns of each key older than its domain's dkim_policy
// rotate_every, at the key's position.
func rotationWarnings(ds []*schema.Domain, now time.Time) schema.Diagnostics {
	var out schema.Diagnostics
	for _, d := range ds {
		every := d.DKIMPolicy.RotateEvery
		if every <= 0 {
			continue
		}
		for _, s := range d.DKIM {
			if s.Kind != schema.KeySelector || s.Created.IsZero() || now.Before(s.Created.Add(every)) {
				continue
			}
			out = append(out, schema.Diagnostic{Pos: s.Pos, Field: "domains." + d.Name + ".dkim." + s.Name, Severity: schema.Warning,
				Msg: fmt.Sprintf("key created %s is older than rotate_every (%d days); mailzone dkim rotate --due adds its successor", s.Created.Format("2006-01-02"), int(every.Hours()/24))})
		}
	}
	return out
}

// resolver is the run's recursive resolver: the flag, else
// defaults.resolver, else /etc/resolv.conf. One per run, so lint and SPF
// flattening share its cache and each question is asked once.
func (r *run) resolver(cfg *schema.Config, flagResolver string) (*lint.DNSResolver, error) {
	addr := firstNonEmpty(flagResolver, cfg.Defaults.Resolver)
	if res, ok := r.resolvers[addr]; ok {
		return res, nil
	}
	res, err := lint.NewResolver(addr)
	if err != nil {
		return nil, err
	}
	if r.resolvers == nil {
		r.resolvers = map[string]*lint.DNSResolver{}
	}
	r.resolvers[addr] = res
	return res, nil
}

// exclusions lists the domains lint found errors in, with the error
// findings of each as its reasons, in the order of the findings.
func exclusions(bad map[string]bool, findings []lint.Finding) []plan.Excluded {
	var out []plan.Excluded
	at := map[string]int{}
	for _, f := range findings {
		if !bad[f.Domain] || f.Severity != lint.Error {
			continue
		}
		i, ok := at[f.Domain]
		if !ok {
			i = len(out)
			at[f.Domain] = i
			out = append(out, plan.Excluded{Domain: f.Domain})
		}
		out[i].Reasons = append(out[i].Reasons, f.Field+": "+f.Msg)
	}
	for d := range bad {
		if _, ok := at[d]; !ok {
			out = append(out, plan.Excluded{Domain: d, Reasons: []string{"the checks that need DNS found errors"}})
		}
	}
	return out
}
