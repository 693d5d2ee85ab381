package route53

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/mailzone/mailzone/rrset"
)

// pageSize is the most ListResourceRecordSets returns per page.
const pageSize = 300

// Records returns every RRset in zone that mailzone can manage: alias record
// sets and sets with a routing policy (weighted, latency, ...) are left out,
// and Apply refuses to write their names and types. The first call for a zone
// looks the hosted zone up (ListHostedZonesByName) unless hosted_zone_id is
// set; every call then reads ListResourceRecordSets pages, and nothing else.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	zone = normZone(zone)
	if err := p.credentials(ctx); err != nil {
		return nil, err
	}
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return nil, err
	}
	m, err := p.readZone(ctx, zone, id)
	if err != nil {
		return nil, err
	}
	var out []rrset.RRset
	for _, r := range m {
		if r.special == "" {
			out = append(out, r.set)
		}
	}
	return out, nil
}

// zoneID finds the hosted zone of zone once per provider.
func (p *Provider) zoneID(ctx context.Context, zone string) (string, error) {
	if p.opts.HostedZoneID != "" {
		return strings.TrimPrefix(p.opts.HostedZoneID, "/hostedzone/"), nil
	}
	p.mu.Lock()
	id, ok := p.zoneIDs[zone]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	out, err := p.client.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{
		DNSName:  aws.String(zone),
		MaxItems: aws.Int32(10),
	})
	if err != nil {
		return "", fmt.Errorf("route53: zone %s: find hosted zone: %w", zone, err)
	}
	var public, all []types.HostedZone
	for _, hz := range out.HostedZones {
		if normZone(decodeName(aws.ToString(hz.Name))) != zone {
			continue
		}
		all = append(all, hz)
		if hz.Config == nil || !hz.Config.PrivateZone {
			public = append(public, hz)
		}
	}
	var pick types.HostedZone
	switch {
	case len(all) == 0:
		return "", fmt.Errorf("route53: zone %s: no hosted zone of that name is visible to these credentials", zone)
	case len(all) == 1:
		pick = all[0]
	case len(public) == 1:
		pick = public[0]
	default:
		var ids []string
		for _, hz := range all {
			ids = append(ids, strings.TrimPrefix(aws.ToString(hz.Id), "/hostedzone/"))
		}
		return "", fmt.Errorf("route53: zone %s: %d hosted zones have that name (%s); set hosted_zone_id", zone, len(all), strings.Join(ids, ", "))
	}
	id = strings.TrimPrefix(aws.ToString(pick.Id), "/hostedzone/")
	p.mu.Lock()
	p.zoneIDs[zone] = id
	p.mu.Unlock()
	return id, nil
}

// readZone lists every record set of hosted zone id, page by page, converts
// them and remembers the result for Apply.
func (p *Provider) readZone(ctx context.Context, zone, id string) (map[rrset.Key]raw, error) {
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(pageSize)}
	m := map[rrset.Key]raw{}
	for {
		out, err := p.client.ListResourceRecordSets(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("route53: zone %s: list record sets: %w", zone, err)
		}
		for _, s := range out.ResourceRecordSets {
			r := convert(s)
			k := r.set.Key()
			if prev, ok := m[k]; ok && (prev.special != "" || r.special != "") {
				// Several sets under one name and type only happen with
				// routing policies; mark the key as not ours.
				if r.special == "" {
					r = prev
				}
			}
			m[k] = r
		}
		if !out.IsTruncated {
			break
		}
		in.StartRecordName = out.NextRecordName
		in.StartRecordType = out.NextRecordType
		in.StartRecordIdentifier = out.NextRecordIdentifier
	}
	p.mu.Lock()
	p.read[zone] = m
	p.mu.Unlock()
	return m, nil
}

// convert turns one Route 53 record set into its normalized form, in one place.
func convert(s types.ResourceRecordSet) raw {
	name := rrset.Absolute(decodeName(aws.ToString(s.Name)), ".")
	typ := string(s.Type)
	r := raw{ttl: aws.ToInt64(s.TTL)}
	switch {
	case s.AliasTarget != nil:
		r.special = "alias"
	case s.SetIdentifier != nil:
		r.special = "routing policy (SetIdentifier " + aws.ToString(s.SetIdentifier) + ")"
	}
	values := make([]string, 0, len(s.ResourceRecords))
	for _, rr := range s.ResourceRecords {
		v := aws.ToString(rr.Value)
		r.wire = append(r.wire, v)
		if typ == "TXT" || typ == "SPF" {
			v = unquoteTXT(v)
		}
		values = append(values, v)
	}
	r.set = rrset.New(".", name, typ, uint32(r.ttl), values...)
	return r
}
