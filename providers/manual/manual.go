// Package manual is the provider for zones someone else edits: a customer's
// own DNS host, where mailzone has no credentials. It reads the names mailzone
// owns from the zone's authoritative nameservers, with verify's query rules,
// and writes nothing: apply renders the changes as instructions for the
// zone's DNS admin (package instructions) and waits until they are served.
//
// It cannot list a zone, so DKIM selectors the configuration does not declare
// are unknown to it, and plans say so rather than claim there are none.
package manual

import (
	"context"
	"errors"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/verify"
)

func init() {
	providers.Register(providers.Type{
		Name: "manual",
		Open: Open,
	})
}

// Provider reads zones through DNS and never writes.
type Provider struct {
	name string
	dns  providers.DNS
}

// Open builds a manual provider. It makes no request.
func Open(cfg providers.Config) (providers.Provider, error) {
	return &Provider{name: cfg.Name, dns: cfg.DNS}, nil
}

// ErrManual is returned by the operations a manual provider cannot do.
var ErrManual = errors.New("the zone is edited by its own DNS admin (provider type manual): mailzone reads only the names it owns, through DNS, and writes nothing")

// Records cannot list a zone it reads through DNS; see RecordsAt.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	return nil, ErrManual
}

// RecordsAt asks the zone's authoritative nameservers for the RRsets at keys.
func (p *Provider) RecordsAt(ctx context.Context, zone string, keys []rrset.Key) ([]rrset.RRset, error) {
	o := verify.Options{Resolver: p.dns.Resolver}
	if p.dns.Nameservers != nil {
		o.Nameservers = p.dns.Nameservers(zone)
	}
	return verify.Read(ctx, zone, keys, o)
}

// Apply writes nothing: the zone's admin makes the changes.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	return 0, ErrManual
}

// Manual reports true: apply prints instructions for these zones.
func (p *Provider) Manual() bool { return true }
