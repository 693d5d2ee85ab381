package route53

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
)

// Prepare finds the hosted zones of many zones by listing the account's zones
// by name, 100 a page, rather than one ListHostedZonesByName lookup per zone.
// Route 53 does not say how many pages there are, so it reads at most as many
// pages as there are zones to find: never more requests than the lookups, and
// a hundredth of them when the account holds mostly the zones asked for. A name held by more than one hosted
// zone (public and private) is left to the per-zone lookup, which chooses or
// explains.
func (p *Provider) Prepare(ctx context.Context, zones []string) {
	if p.opts.HostedZoneID != "" {
		return
	}
	want := map[string]bool{}
	p.mu.Lock()
	p.fleetSize = len(zones)
	for _, z := range zones {
		z = normZone(z)
		if _, ok := p.zoneIDs[z]; !ok {
			want[z] = true
		}
	}
	p.mu.Unlock()
	if len(want) < 2 {
		return
	}
	if err := p.credentials(ctx); err != nil {
		return
	}
	seen := map[string]int{}
	found := map[string]string{}
	in := &r53.ListHostedZonesByNameInput{MaxItems: aws.Int32(100)}
	for pages := 1; pages <= len(want) && len(found) < len(want); pages++ {
		out, err := p.client.ListHostedZonesByName(ctx, in)
		if err != nil {
			return
		}
		for _, hz := range out.HostedZones {
			name := normZone(decodeName(aws.ToString(hz.Name)))
			seen[name]++
			if want[name] {
				found[name] = strings.TrimPrefix(aws.ToString(hz.Id), "/hostedzone/")
			}
		}
		if !out.IsTruncated {
			break
		}
		in.DNSName, in.HostedZoneId = out.NextDNSName, out.NextHostedZoneId
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, id := range found {
		if seen[name] == 1 {
			p.zoneIDs[name] = id
		}
	}
}
