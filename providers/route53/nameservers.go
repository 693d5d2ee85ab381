package route53

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
)

// Nameservers returns the delegation set Route 53 assigned to the zone's
// hosted zone (GetHostedZone): the names the registrar must delegate to.
func (p *Provider) Nameservers(ctx context.Context, zone string) ([]string, error) {
	zone = normZone(zone)
	if err := p.credentials(ctx); err != nil {
		return nil, err
	}
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	// Known already when a plan of this run listed the delegation sets; a
	// single zone's lookup never starts that listing.
	p.mu.Lock()
	ns := p.sets[id]
	p.mu.Unlock()
	if len(ns) > 0 {
		return ns, nil
	}
	out, err := p.client.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("route53: zone %s: assigned nameservers: %w", zone, err)
	}
	if out.DelegationSet == nil {
		return nil, nil
	}
	return out.DelegationSet.NameServers, nil
}

// AssignedNameservers returns the nameservers of the zone's reusable
// delegation set, which serve what the hosted zone holds, when a fleet run
// learnt them from listing the account's delegation sets. Otherwise it
// returns none: asking for them would cost a request per zone
// (GetHostedZone), as much as listing the zone itself, so the plan reads
// the zone through the API instead.
func (p *Provider) AssignedNameservers(ctx context.Context, zone string) ([]string, error) {
	zone = normZone(zone)
	p.mu.Lock()
	fleet := p.fleetSize >= minFleetForSets
	p.mu.Unlock()
	if !fleet {
		return nil, nil
	}
	if err := p.credentials(ctx); err != nil {
		return nil, err
	}
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	return p.setNameservers(ctx, id), nil
}

// minFleetForSets is the number of zones a run must read before it lists the
// account's reusable delegation sets and their hosted zones (100 a page):
// below it, the listing could cost more than it saves.
const minFleetForSets = 50

// setNameservers returns the nameservers of the reusable delegation set of
// the hosted zone id, listing the account's delegation sets and their hosted
// zones once per Provider (the first caller lists; the others wait). Errors
// (such as credentials without route53:ListReusableDelegationSets) leave
// every zone unknown.
func (p *Provider) setNameservers(ctx context.Context, id string) []string {
	p.setsOnce.Do(func() {
		sets := map[string][]string{} // hosted zone id -> nameservers
		in := &r53.ListReusableDelegationSetsInput{MaxItems: aws.Int32(100)}
		for {
			out, err := p.client.ListReusableDelegationSets(ctx, in)
			if err != nil {
				return
			}
			for _, ds := range out.DelegationSets {
				zin := &r53.ListHostedZonesInput{DelegationSetId: ds.Id, MaxItems: aws.Int32(100)}
				for {
					zs, err := p.client.ListHostedZones(ctx, zin)
					if err != nil {
						return
					}
					for _, hz := range zs.HostedZones {
						sets[strings.TrimPrefix(aws.ToString(hz.Id), "/hostedzone/")] = ds.NameServers
					}
					if !zs.IsTruncated {
						break
					}
					zin.Marker = zs.NextMarker
				}
			}
			if !out.IsTruncated {
				break
			}
			in.Marker = out.NextMarker
		}
		p.mu.Lock()
		p.sets = sets
		p.mu.Unlock()
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sets[id]
}
