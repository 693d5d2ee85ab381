package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/schema"
)

// lintOnline runs the checks that need DNS over ds, prints the findings to
// stderr (and as annotations under GitHub Actions), and returns the domains
// that have errors. ok is false when the resolver cannot be used at all.
func (r *run) lintOnline(ctx context.Context, cfg *schema.Config, ds []*schema.Domain, resolver string, parallel int) (bad map[string]bool, findings []lint.Finding, ok bool) {
	if resolver == "" {
		resolver = cfg.Defaults.Resolver
	}
	res, err := lint.NewResolver(resolver)
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
	config := fs.String("c", "mailzone.yaml", "configuration file")
	fs.StringVar(config, "config", "mailzone.yaml", "configuration file")
	offline := fs.Bool("offline", false, "only the checks that need no DNS")
	resolver := fs.String("resolver", "", "recursive resolver (host:port) for the checks that need DNS")
	var domains multi
	fs.Var(&domains, "d", "limit to this domain (repeatable)")
	fs.Var(&domains, "domain", "limit to this domain (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("lint", err)
	}
	if len(pos) > 0 {
		return r.usageError("lint", fmt.Errorf("unexpected argument %q", pos[0]))
	}
	cfg := r.load(*config)
	if cfg == nil {
		return ExitError
	}
	ts, err := targets(cfg, domains)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	var ds []*schema.Domain
	for _, t := range ts {
		ds = append(ds, t.domains...)
	}
	if *offline {
		fmt.Fprintf(r.env.Stdout, "%s: %d domain(s), no errors, %d warning(s) (offline checks only)\n", cfg.File, len(ds), len(cfg.Warnings))
		return ExitOK
	}
	_, findings, ok := r.lintOnline(context.Background(), cfg, ds, *resolver, defaultParallel)
	if !ok {
		return ExitError
	}
	errs, warns := lint.Count(findings)
	warns += len(cfg.Warnings)
	fmt.Fprintf(r.env.Stdout, "%s: %d domain(s), %d error(s), %d warning(s)\n", cfg.File, len(ds), errs, warns)
	if errs > 0 {
		return ExitError
	}
	return ExitOK
}
