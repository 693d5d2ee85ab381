package route53

import (
	"context"
	"fmt"

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
	out, err := p.client.GetHostedZone(ctx, &r53.GetHostedZoneInput{Id: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("route53: zone %s: assigned nameservers: %w", zone, err)
	}
	if out.DelegationSet == nil {
		return nil, nil
	}
	return out.DelegationSet.NameServers, nil
}
