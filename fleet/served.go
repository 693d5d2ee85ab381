package fleet

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/verify"
)

// servedReader reads zones from the nameservers of the provider that holds
// them. One is shared by the zones of a run, so nameserver addresses are
// resolved once and each address has a bounded number of questions in
// flight.
type servedReader struct {
	dns     providers.DNS
	cache   *verify.Cache
	limiter *verify.Limiter
	breaker *breaker
}

// breaker stops DNS reads at a provider once maxFailing zones in a row could
// not be read there (nameservers silent, lame or unreachable), so that a
// dead nameserver costs a few timeouts per run, not one per zone.
type breaker struct {
	mu      sync.Mutex
	failing map[string]int    // provider -> zones in a row DNS could not prove either way
	last    map[string]string // provider -> the last such failure
}

// maxFailing is how many zones in a row may fail to be read from a
// provider's nameservers before the rest are listed through its API.
const maxFailing = 8

func newBreaker() *breaker {
	return &breaker{failing: map[string]int{}, last: map[string]string{}}
}

// open reports why DNS reads at provider stopped, or "".
func (b *breaker) open(provider string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failing[provider] < maxFailing {
		return ""
	}
	return fmt.Sprintf("not asked: %d zones in a row at this provider could not be read from their nameservers (the last: %s)", b.failing[provider], b.last[provider])
}

// done records whether a zone's nameservers answered (a difference counts as
// an answer).
func (b *breaker) done(provider string, answered bool, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if answered {
		b.failing[provider] = 0
		return
	}
	b.failing[provider]++
	b.last[provider] = why
}

// read asks the nameservers that serve t's zone at its provider for every
// name and type the domains own, with verify's rules (RD=0, EDNS0, the AA bit
// required, TCP on truncation, every address agreeing) and a probe for
// wildcards. When what they serve already matches the configuration, the
// zone's plan is made from it, without an API request, and returned. Otherwise
// it returns nil and why the zone must be listed through the API: a
// difference (which the listing confirms, with the records' ids and
// per-record TTLs), or anything that keeps DNS from proving equality (no AA,
// an error or timeout, nameservers that disagree, a wildcard); the reason is
// empty when the provider cannot name the zone's nameservers cheaply.
//
// The nameservers asked are those configured for the zone (verify.nameservers,
// --nameserver), else the ones the provider assigned, never the delegation:
// a zone moving to this provider may still be delegated to the old one.
func (r servedReader) read(ctx context.Context, p providers.Served, t *Target) (*plan.Zone, string) {
	if why := r.breaker.open(t.Provider); why != "" {
		return nil, why
	}
	o := verify.Options{Resolver: r.dns.Resolver, Cache: r.cache, Limiter: r.limiter, QueryTimeout: servedQueryTimeout}
	if r.dns.Nameservers != nil {
		o.Nameservers = r.dns.Nameservers(t.Zone)
	}
	if len(o.Nameservers) == 0 {
		names, err := p.AssignedNameservers(ctx, t.Zone)
		if err != nil {
			return nil, fmt.Sprintf("the provider's nameservers are unknown: %v", err)
		}
		if len(names) == 0 {
			// The provider cannot tell them without a request per zone
			// (a Route 53 zone outside a reusable delegation set): the
			// zone is listed, as if read only through the API.
			return nil, ""
		}
		o.NameserverNames = names
	}
	observed, err := verify.ReadExact(ctx, t.Zone, OwnedKeys(t.Domains), o)
	r.breaker.done(t.Provider, err == nil, fmt.Sprint(err))
	if err != nil {
		return nil, err.Error()
	}
	z := plan.Diff(t.Zone, t.Provider, t.Domains, observed)
	if n := len(z.Changes); n > 0 {
		return nil, fmt.Sprintf("its nameservers serve %d record set(s) that differ from the configuration", n)
	}
	z.ReadVia = plan.ReadDNS
	return z, ""
}

// servedQueryTimeout bounds one question to one nameserver address when
// reading through DNS: a slow server costs an API read, not a stalled plan.
const servedQueryTimeout = 1500 * time.Millisecond
