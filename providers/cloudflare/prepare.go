package cloudflare

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Prepare finds the ids of many zones by listing the account's zones page by
// page (50 a page, by name) rather than one lookup per zone, when that costs
// fewer requests, and keeps each zone's assigned nameservers from the same
// listing: the first page says how many pages there are, and the rest are
// read only if they are fewer than the zones still to find. It stops once
// every wanted zone is known.
//
// The listing runs in the background: Prepare returns at once, and a lookup
// of a zone it was given waits until the listing has found the zone or
// ended. So a fleet's reads go on while later pages arrive, in name order as
// the fleet reads them, and the run takes about as long as the listing alone.
func (p *Provider) Prepare(ctx context.Context, zones []string) {
	want := map[string]bool{}
	p.mu.Lock()
	for _, z := range zones {
		z = zoneName(z)
		if _, ok := p.zoneIDs[z]; !ok {
			want[z] = true
		}
	}
	if len(want) < 2 {
		p.mu.Unlock()
		return
	}
	for z := range want {
		p.pending[z]++
	}
	p.mu.Unlock()
	go p.listZones(ctx, want)
}

// listZones is Prepare's listing. Every zone in want is pending until it
// returns.
func (p *Provider) listZones(ctx context.Context, want map[string]bool) {
	all := make([]string, 0, len(want))
	for z := range want {
		all = append(all, z)
	}
	defer func() {
		p.mu.Lock()
		for _, z := range all {
			if p.pending[z]--; p.pending[z] <= 0 {
				delete(p.pending, z)
			}
		}
		p.listed.Broadcast()
		p.mu.Unlock()
	}()
	token := p.token
	if p.zoneToken != "" {
		token = p.zoneToken
	}
	total := 1
	for page := 1; len(want) > 0 && page <= total; page++ {
		var got []apiZone
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {"50"}, "order": {"name"}, "direction": {"asc"}}
		env, err := p.do(ctx, http.MethodGet, "/zones", q, token, nil, &got)
		if err != nil {
			return
		}
		p.mu.Lock()
		for _, z := range got {
			name := strings.ToLower(z.Name)
			if want[name] {
				p.zoneIDs[name] = z.ID
				p.assigned[name] = z.NameServers
				delete(want, name)
			}
		}
		p.listed.Broadcast()
		p.mu.Unlock()
		if len(got) == 0 || env.ResultInfo == nil {
			return
		}
		if page == 1 {
			total = env.ResultInfo.TotalPages
			if total-1 >= len(want) {
				return // listing the rest would cost more than looking zones up
			}
		}
	}
}
