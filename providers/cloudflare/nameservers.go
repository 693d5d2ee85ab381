package cloudflare

import (
	"context"
	"fmt"
	"net/http"
)

// Nameservers returns the nameservers Cloudflare assigned to zone, as its API
// reports them (GET /zones/{id}): the names the registrar must delegate to.
func (p *Provider) Nameservers(ctx context.Context, zone string) ([]string, error) {
	id, err := p.zoneID(ctx, zoneName(zone))
	if err != nil {
		return nil, err
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
