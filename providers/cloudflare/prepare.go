package cloudflare

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Prepare finds the ids of many zones by listing the account's zones page by
// page (50 a page) rather than one lookup per zone, when that costs fewer
// requests, and keeps each zone's assigned nameservers from the same listing: the first page says how many pages there are, and the rest are read
// only if they are fewer than the zones still to find. It stops once every
// wanted zone is known.
func (p *Provider) Prepare(ctx context.Context, zones []string) {
	want := map[string]bool{}
	p.mu.Lock()
	for _, z := range zones {
		z = zoneName(z)
		if _, ok := p.zoneIDs[z]; !ok {
			want[z] = true
		}
	}
	p.mu.Unlock()
	token := p.token
	if p.zoneToken != "" {
		token = p.zoneToken
	}
	total := 1
	for page := 1; len(want) > 1 && page <= total; page++ {
		var got []apiZone
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {"50"}}
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
