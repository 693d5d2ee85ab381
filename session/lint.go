package session

import (
	"bytes"
	"context"
	"fmt"

	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/rotate"
	"github.com/mailzone/mailzone/schema"
)

// lintOnline runs the checks that need DNS over ds, prints the findings to
// stderr (and as annotations under GitHub Actions), and returns the domains
// that have errors. ok is false when the resolver cannot be used at all.
func (r *Session) lintOnline(ctx context.Context, cfg *schema.Config, ds []*schema.Domain, resolver string, parallel int) (bad map[string]bool, findings []lint.Finding, ok bool) {
	res, err := r.resolver(cfg, resolver)
	if err != nil {
		r.errorf("lint: %v (give --resolver, set defaults.resolver, or pass --offline to skip the checks that need DNS)", err)
		return nil, nil, false
	}
	findings = lint.Domains(ctx, res, ds, parallel)
	if len(findings) > 0 {
		var b bytes.Buffer
		lint.Text(&b, findings)
		r.Env.Stderr.Write(b.Bytes())
	}
	if r.Env.Actions() {
		r.annotate(lint.Diagnostics(findings))
	}
	return lint.ErrorDomains(findings), findings, true
}

// Lint runs the offline checks of the domains, and unless offline the
// checks that need DNS, through resolver.
func (r *Session) Lint(config string, domains []string, offline bool, resolver, format string) int {
	var emit func(any)
	if format == "json" {
		emit = r.jsonMode()
	}
	type lintDoc struct {
		FormatVersion int               `json:"format_version"`
		Config        string            `json:"config"`
		Domains       int               `json:"domains"`
		Offline       bool              `json:"offline"`
		Errors        int               `json:"errors"`
		Warnings      int               `json:"warnings"`
		Findings      []lint.FindingDoc `json:"findings"`
	}
	cfg, ds, ok := r.selectDomains(config, domains)
	if !ok {
		return ExitError
	}
	due := rotate.Overdue(ds, r.now())
	r.diagnostics(due)
	if offline {
		fmt.Fprintf(r.Env.Stdout, "%s: %d domain(s), no errors, %d warning(s) (offline checks only)\n", cfg.File, len(ds), len(cfg.Warnings)+len(due))
		if emit != nil {
			emit(lintDoc{JSONVersion, cfg.File, len(ds), true, 0, len(cfg.Warnings) + len(due), lint.Docs(append(append(schema.Diagnostics{}, cfg.Warnings...), due...), nil)})
		}
		return ExitOK
	}
	_, findings, ok := r.lintOnline(context.Background(), cfg, ds, resolver, DefaultParallel)
	if !ok {
		return ExitError
	}
	errs, warns := lint.Count(findings)
	warns += len(cfg.Warnings) + len(due)
	fmt.Fprintf(r.Env.Stdout, "%s: %d domain(s), %d error(s), %d warning(s)\n", cfg.File, len(ds), errs, warns)
	if emit != nil {
		emit(lintDoc{JSONVersion, cfg.File, len(ds), false, errs, warns, lint.Docs(append(append(schema.Diagnostics{}, cfg.Warnings...), due...), findings)})
	}
	if errs > 0 {
		return ExitError
	}
	return ExitOK
}

// resolver is the run's recursive resolver: the flag, else
// defaults.resolver, else /etc/resolv.conf. One per run, so lint and SPF
// flattening share its cache and each question is asked once.
func (r *Session) resolver(cfg *schema.Config, flagResolver string) (*lint.DNSResolver, error) {
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
