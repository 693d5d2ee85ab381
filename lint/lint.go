// Package lint checks a domain's mail-authentication policy against the DNS as
// it is now: the checks that cannot be made by reading the configuration alone.
//
// schema.Load judges each record by itself. A record that is valid on paper
// still breaks mail when its includes together exceed the SPF lookup limit, its
// MX target is an alias, its DMARC reports go to a domain that never agreed to
// take them, or the DKIM key it delegates to an ESP is not there. These checks
// ask a recursive resolver (defaults.resolver or --resolver; /etc/resolv.conf
// otherwise) through the small Resolver interface, so they run the same against
// the Internet, a private resolver, or the in-process servers of the tests.
//
// Findings about the desired records are errors or warnings; findings about
// what is published now, which plan and apply replace, are at most warnings,
// so that lint never stops the change that fixes them. Every finding names the
// configuration field it concerns and where it is written.
//
// The organizational domain (for DMARC report authorization, RFC 7489 §7.1) is
// taken from the public suffix list compiled into golang.org/x/net/publicsuffix,
// as most receivers do today, rather than from the RFC 9989 DNS tree walk: it
// needs no queries, gives the same answer for every registered domain under a
// public suffix, and where the two could differ (a private registry publishing
// psd=y) it errs towards checking the authorization record, never towards
// skipping it.
package lint

import (
	"context"
	"sync"

	"github.com/mailzone/mailzone/schema"
)

// DefaultConcurrency is how many domains Config checks at once.
const DefaultConcurrency = 16

// Domain runs every online check for one domain: MX, SPF (the desired record
// and the published one), DKIM selectors, DMARC report destinations, and what
// MTA-STS and TLS-RPT point at, in that order.
func Domain(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	var out []Finding
	out = append(out, checkMX(ctx, r, d)...)
	out = append(out, checkSPF(ctx, r, d)...)
	out = append(out, checkDKIM(ctx, r, d)...)
	out = append(out, checkDMARC(ctx, r, d)...)
	out = append(out, checkPolicies(ctx, r, d)...)
	return out
}

// Config checks every domain of cfg, DefaultConcurrency at a time, and returns
// the findings grouped by domain in file order.
func Config(ctx context.Context, r Resolver, cfg *schema.Config) []Finding {
	return Domains(ctx, r, cfg.Domains, DefaultConcurrency)
}

// Domains checks the given domains, at most concurrency at a time (1 if
// less), and returns the findings grouped by domain in the order given.
func Domains(ctx context.Context, r Resolver, domains []*schema.Domain, concurrency int) []Finding {
	results := make([][]Finding, len(domains))
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for i, d := range domains {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = Domain(ctx, r, d)
		}()
	}
	wg.Wait()
	var out []Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}

// finding ties a problem to a domain's field.
func finding(d *schema.Domain, field string, p Problem) Finding {
	return Finding{Domain: d.Name, Field: field, Pos: fieldPos(d, field), Severity: p.Severity, Code: p.Code, Msg: p.Msg}
}

// fieldPos finds where a field is written: its own entry, else the position
// the record carries, else the domain's key (for fields a parked domain implies).
func fieldPos(d *schema.Domain, field string) schema.Pos {
	for _, s := range d.DKIM {
		if "dkim."+s.Name == field && s.Pos.Line > 0 {
			return s.Pos
		}
	}
	if p, ok := d.FieldPos(field); ok && p.Line > 0 {
		return p
	}
	var p schema.Pos
	switch {
	case field == "mx" && d.MX != nil:
		p = d.MX.Pos
	case field == "spf" && d.SPF != nil:
		p = d.SPF.Pos
	case field == "dmarc" && d.DMARC != nil:
		p = d.DMARC.Pos
	}
	if p.Line > 0 {
		return p
	}
	return d.Pos
}
