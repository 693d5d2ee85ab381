package cloudflare

import (
	"context"
	"fmt"
	"net/http"
)

// Nameservers returns the nameservers Cloudflare assigned to zone, as its API
// reports them: the names the registrar must delegate to. They come with the
// zone lookup (or Prepare's listing), so this costs a request only when the
// lookup did not carry them.
func (p *Provider) Nameservers(ctx context.Context, zone string) ([]string, error) {
	zone = zoneName(zone)
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	ns := p.assigned[zone]
	p.mu.Unlock()
	if len(ns) > 0 {
		return ns, nil
	}
	token := p.token
	if p.zoneToken != "" {
		token = p.zoneToken
	}
	var z apiZone
	if _, err := p.do(ctx, http.MethodGet, "/zones/"+id, nil, token, nil, &z); err != nil {
		return nil, fmt.Errorf("zone %s: assigned nameservers: %w", zone, err)
	}
	return z.NameServers, nil
}

// AssignedNameservers returns the nameservers whose answers a plan may read
// zone from before listing it: the ones Cloudflare assigned, which serve
// every record the API holds.
func (p *Provider) AssignedNameservers(ctx context.Context, zone string) ([]string, error) {
	return p.Nameservers(ctx, zone)
}
