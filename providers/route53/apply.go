package route53

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/mailzone/mailzone/rrset"
)

// maxSends bounds how often one change batch is sent when its outcome was
// unknown and reading the zone showed it was not applied.
const maxSends = 3

// target is one edit reduced to what Route 53 sees: the whole RRset before
// (Old plus Keep, as read) and after (Keep plus New).
type target struct {
	key         rrset.Key
	before, res rrset.RRset
}

// Apply writes all edits to zone in one ChangeResourceRecordSets batch, which
// Route 53 applies atomically: it returns len(edits) when the batch was applied
// and 0 with an error when it was not, or when its outcome could not be
// settled. An edit whose RRset ends up empty is a DELETE of the RRset exactly as
// read; any other edit of an existing RRset is a DELETE of it plus a CREATE of
// the result (Keep values written back unchanged); an edit of an absent RRset
// is a CREATE. No edits, or only edits that change nothing, send no request.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, nil
	}
	zone = normZone(zone)
	targets, err := p.targets(zone, edits)
	if err != nil {
		return 0, err
	}
	if len(targets) == 0 {
		return len(edits), nil
	}
	if err := p.credentials(ctx); err != nil {
		return 0, err
	}
	id, err := p.zoneID(ctx, zone)
	if err != nil {
		return 0, err
	}
	for send := 1; ; send++ {
		out, err := p.client.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(id),
			ChangeBatch: &types.ChangeBatch{
				Comment: aws.String(fmt.Sprintf("mailzone: %d edit(s)", len(edits))),
				Changes: p.changes(zone, targets),
			},
		})
		if err == nil {
			p.remember(zone, targets)
			return len(edits), p.waitForSync(ctx, zone, out.ChangeInfo)
		}
		if refused(err) || ctx.Err() != nil {
			return 0, rejection(zone, err)
		}
		// The batch may or may not have been applied: read the zone to know.
		if send == maxSends {
			return 0, fmt.Errorf("route53: zone %s: change batch sent %d times with unknown outcome, last: %w; run plan to see what was written", zone, send, err)
		}
		state, rerr := p.readZone(ctx, zone, id)
		if rerr != nil {
			return 0, fmt.Errorf("route53: zone %s: change batch outcome unknown (%v), and reading the zone to settle it failed: %w", zone, err, rerr)
		}
		switch settle(state, targets) {
		case "after":
			return len(edits), nil
		case "before":
			continue // not applied: send again
		default:
			return 0, fmt.Errorf("route53: zone %s: change batch outcome unknown (%v), and the zone now matches neither the state before it nor after it (changed by someone else?); run plan again", zone, err)
		}
	}
}

// targets computes the before and after RRsets of each edit and refuses, before
// any request, edits Route 53 cannot take as one batch or that touch record
// sets mailzone does not manage.
func (p *Provider) targets(zone string, edits []rrset.Edit) ([]target, error) {
	p.mu.Lock()
	read := p.read[zone]
	p.mu.Unlock()
	seen := map[rrset.Key]bool{}
	var out []target
	for _, e := range edits {
		k := e.Key()
		k.Name = rrset.Absolute(k.Name, ".")
		k.Type = strings.ToUpper(k.Type)
		if seen[k] {
			return nil, fmt.Errorf("route53: zone %s: two edits of %s in one apply; Route 53 takes one change per record set", zone, k)
		}
		seen[k] = true
		if r, ok := read[k]; ok && r.special != "" {
			return nil, fmt.Errorf("route53: zone %s: %s is an %s record set, which mailzone does not manage; change it in Route 53 itself", zone, k, r.special)
		}
		ttl := e.Old.TTL
		if e.Old.Empty() {
			ttl = e.Keep.TTL
		}
		before := rrset.New(".", k.Name, k.Type, ttl, append(append([]string(nil), e.Old.Values...), e.Keep.Values...)...)
		r := e.Result()
		res := rrset.New(".", k.Name, k.Type, r.TTL, r.Values...)
		if same(before, res) {
			continue
		}
		out = append(out, target{key: k, before: before, res: res})
	}
	return out, nil
}

// changes builds the batch: every DELETE first, then every CREATE, so that a
// set can be replaced by one of another type at the same name (TXT to CNAME).
func (p *Provider) changes(zone string, ts []target) []types.Change {
	p.mu.Lock()
	read := p.read[zone]
	p.mu.Unlock()
	var dels, creates []types.Change
	for _, t := range ts {
		if !t.before.Empty() {
			set := wire(t.before)
			if r, ok := read[t.key]; ok && r.special == "" && same(r.set, t.before) {
				// Name the values exactly as Route 53 holds them: another
				// tool may have split or escaped a TXT string differently.
				set.TTL = aws.Int64(r.ttl)
				set.ResourceRecords = records(r.wire)
			}
			dels = append(dels, types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: set})
		}
		if !t.res.Empty() {
			creates = append(creates, types.Change{Action: types.ChangeActionCreate, ResourceRecordSet: wire(t.res)})
		}
	}
	return append(dels, creates...)
}

// wire renders a normalized RRset as a Route 53 record set.
func wire(s rrset.RRset) *types.ResourceRecordSet {
	vals := make([]string, 0, len(s.Values))
	for _, v := range s.Values {
		if s.Type == "TXT" || s.Type == "SPF" {
			v = quoteTXT(v)
		}
		vals = append(vals, v)
	}
	return &types.ResourceRecordSet{
		Name:            aws.String(s.Name),
		Type:            types.RRType(s.Type),
		TTL:             aws.Int64(int64(s.TTL)),
		ResourceRecords: records(vals),
	}
}

func records(vals []string) []types.ResourceRecord {
	out := make([]types.ResourceRecord, 0, len(vals))
	for _, v := range vals {
		out = append(out, types.ResourceRecord{Value: aws.String(v)})
	}
	return out
}

// remember updates the cached read with what the applied batch wrote.
func (p *Provider) remember(zone string, ts []target) {
	p.mu.Lock()
	defer p.mu.Unlock()
	read := p.read[zone]
	if read == nil {
		return
	}
	for _, t := range ts {
		if t.res.Empty() {
			delete(read, t.key)
			continue
		}
		w := wire(t.res)
		var vals []string
		for _, r := range w.ResourceRecords {
			vals = append(vals, aws.ToString(r.Value))
		}
		read[t.key] = raw{set: t.res, wire: vals, ttl: int64(t.res.TTL)}
	}
}

// same compares RRsets, any two empty ones being the same (absent).
func same(a, b rrset.RRset) bool {
	if a.Empty() || b.Empty() {
		return a.Empty() && b.Empty()
	}
	return a.Equal(b)
}

// settle says whether the zone as read holds every target's result ("after"),
// every target's previous state ("before"), or neither.
func settle(state map[rrset.Key]raw, ts []target) string {
	after, before := true, true
	for _, t := range ts {
		cur := state[t.key]
		if cur.special != "" {
			return "neither"
		}
		after = after && same(cur.set, t.res)
		before = before && same(cur.set, t.before)
	}
	switch {
	case after:
		return "after"
	case before:
		return "before"
	}
	return "neither"
}

// refused reports whether Route 53 answered the batch with a 4xx: it was
// rejected and nothing was written.
func refused(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		s := re.HTTPStatusCode()
		return s >= 400 && s < 500
	}
	return false
}

// rejection words a refused batch for the person reading the apply output.
func rejection(zone string, err error) error {
	var icb *types.InvalidChangeBatch
	if errors.As(err, &icb) {
		msgs := icb.Messages
		if len(msgs) == 0 {
			msgs = []string{strings.TrimSuffix(strings.TrimPrefix(icb.ErrorMessage(), "["), "]")}
		}
		return fmt.Errorf("route53: zone %s: change batch rejected, nothing was written: %s", zone, strings.Join(msgs, "; "))
	}
	return fmt.Errorf("route53: zone %s: change batch not applied: %w", zone, err)
}

// waitForSync waits for the change to be INSYNC when the options ask for it.
func (p *Provider) waitForSync(ctx context.Context, zone string, info *types.ChangeInfo) error {
	if p.opts.WaitForSync <= 0 || info == nil || info.Status == types.ChangeStatusInsync {
		return nil
	}
	w := r53.NewResourceRecordSetsChangedWaiter(p.client, func(o *r53.ResourceRecordSetsChangedWaiterOptions) {
		o.MinDelay = min(o.MinDelay, p.opts.WaitForSync/4)
	})
	if err := w.Wait(ctx, &r53.GetChangeInput{Id: info.Id}, p.opts.WaitForSync); err != nil {
		return fmt.Errorf("route53: zone %s: written, but change %s not INSYNC: %w", zone, aws.ToString(info.Id), err)
	}
	return nil
}
