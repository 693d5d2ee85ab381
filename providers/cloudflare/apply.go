package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mailzone/mailzone/rrset"
)

// entry is one record of a listing: its id, normalized value and TTL.
type entry struct {
	id    string
	value string
	ttl   int
}

// listing is the last known state of a zone's records, with their ids, kept so
// that Apply writes by record id without reading the zone again.
type listing struct {
	sets map[rrset.Key][]entry
}

func newListing(recs []apiRecord) *listing {
	l := &listing{sets: map[rrset.Key][]entry{}}
	for _, r := range recs {
		k := key(r)
		l.sets[k] = append(l.sets[k], entry{id: r.ID, value: value(r), ttl: r.TTL})
	}
	return l
}

// find returns the record of k holding value v.
func (l *listing) find(k rrset.Key, v string) (entry, bool) {
	for _, e := range l.sets[k] {
		if e.value == v {
			return e, true
		}
	}
	return entry{}, false
}

// covers reports whether every value the edits replace or delete is in the
// listing, so their record ids are known.
func (l *listing) covers(edits []rrset.Edit) bool {
	for _, e := range edits {
		for _, v := range e.Old.Values {
			if _, ok := l.find(e.Key(), v); !ok {
				return false
			}
		}
	}
	return true
}

func (l *listing) put(k rrset.Key, r apiRecord) {
	l.drop(k, r.ID)
	l.sets[k] = append(l.sets[k], entry{id: r.ID, value: value(r), ttl: r.TTL})
}

func (l *listing) drop(k rrset.Key, id string) {
	l.sets[k] = slices.DeleteFunc(l.sets[k], func(e entry) bool { return e.id == id })
}

// Records returns every RRset of zone: one zone lookup on first use, then one
// request per 100 records. The listing is kept for the next Apply.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	z := zoneName(zone)
	id, err := p.zoneID(ctx, z)
	if err != nil {
		return nil, err
	}
	recs, err := p.list(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading zone %s: %w", z, err)
	}
	p.mu.Lock()
	p.listings[z] = newListing(recs)
	p.mu.Unlock()
	return toRRsets(recs), nil
}

// Apply writes edits in order, each as the fewest writes by record id: a changed
// value is one PATCH, extra values are POSTs, then surplus values are DELETEs.
// Record ids come from the last listing of the zone (Records or a previous
// Apply); the zone is read again only when that listing lacks a value an edit
// replaces. An empty edit list makes no request.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, nil
	}
	z := zoneName(zone)
	zoneID, err := p.zoneID(ctx, z)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	l := p.listings[z]
	p.mu.Unlock()
	if l == nil || !l.covers(edits) {
		recs, err := p.list(ctx, zoneID)
		if err != nil {
			return 0, fmt.Errorf("reading zone %s: %w", z, err)
		}
		l = newListing(recs)
	}
	// The listing is updated as writes succeed; on failure it is dropped, so the
	// next Apply reads the zone again.
	p.mu.Lock()
	delete(p.listings, z)
	p.mu.Unlock()
	for i, e := range edits {
		if err := p.applyEdit(ctx, zoneID, l, e); err != nil {
			return i, fmt.Errorf("zone %s: %s %s: %w", z, e.Kind(), e.Key(), err)
		}
	}
	p.mu.Lock()
	p.listings[z] = l
	p.mu.Unlock()
	return len(edits), nil
}

// write is one request of an edit.
type write struct {
	what string // for messages: "PATCH v=spf1 ..."
	do   func() error
}

// applyEdit plans the writes of one edit and runs them, make-before-break.
func (p *Provider) applyEdit(ctx context.Context, zoneID string, l *listing, e rrset.Edit) error {
	k := e.Key()
	var gone, added, same []string
	for _, v := range e.Old.Values {
		if slices.Contains(e.New.Values, v) {
			same = append(same, v)
		} else {
			gone = append(gone, v)
		}
	}
	for _, v := range e.New.Values {
		if !slices.Contains(e.Old.Values, v) {
			added = append(added, v)
		}
	}
	ttl := e.New.TTL
	var patches, posts, deletes []write
	for i, v := range added {
		rec := toAPI(k, ttl, v)
		if i < len(gone) {
			old, ok := l.find(k, gone[i])
			if !ok {
				return fmt.Errorf("no record holds %q: the zone changed since it was read; run plan again", short(gone[i]))
			}
			patches = append(patches, write{"PATCH " + short(v), func() error {
				out, err := p.patch(ctx, zoneID, old.id, rec)
				if err == nil {
					l.put(k, out)
				}
				return err
			}})
			continue
		}
		posts = append(posts, write{"POST " + short(v), func() error {
			out, err := p.create(ctx, zoneID, rec)
			if err == nil {
				l.put(k, out)
			}
			return err
		}})
	}
	// Values kept whose TTL changes.
	for _, v := range same {
		old, ok := l.find(k, v)
		if !ok || old.ttl == toAPI(k, ttl, v).TTL {
			continue
		}
		patches = append(patches, write{"PATCH ttl of " + short(v), func() error {
			out, err := p.patch(ctx, zoneID, old.id, apiRecord{TTL: toAPI(k, ttl, v).TTL})
			if err == nil {
				l.put(k, out)
			}
			return err
		}})
	}
	for _, v := range gone[min(len(gone), len(added)):] {
		old, ok := l.find(k, v)
		if !ok {
			return fmt.Errorf("no record holds %q: the zone changed since it was read; run plan again", short(v))
		}
		deletes = append(deletes, write{"DELETE " + short(v), func() error {
			err := p.remove(ctx, zoneID, old.id)
			if err == nil {
				l.drop(k, old.id)
			}
			return err
		}})
	}
	all := append(append(patches, posts...), deletes...)
	for i, w := range all {
		if err := w.do(); err != nil {
			var ae *apiError
			state := fmt.Sprintf("%d of %d writes done", i, len(all))
			if errors.As(err, &ae) && ae.Unknown {
				state += fmt.Sprintf(", the outcome of %s is unknown; run plan again to see what is left", w.what)
			}
			return fmt.Errorf("%s (%s): %w", w.what, state, err)
		}
	}
	return nil
}

// short abbreviates a value for messages (DKIM keys are long).
func short(v string) string {
	if len(v) > 48 {
		return v[:40] + "…" + fmt.Sprintf("(%d bytes)", len(v))
	}
	return v
}
