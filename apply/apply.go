// Package apply writes planned changes to providers, zone by zone, in the order
// that keeps every domain's mail authentication intact while it happens, and says
// exactly what was and was not written when a provider fails part-way.
package apply

import (
	"context"
	"fmt"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
)

// Result is the outcome of applying one zone.
type Result struct {
	Zone *plan.Zone
	// Written are the changes known to be written, in the order they were.
	Written []plan.Change
	// NotWritten are the changes not written, or whose outcome is unknown.
	NotWritten []plan.Change
	// Err is why the zone stopped; nil when every change was written.
	Err error
}

// Check re-reads the zone and returns the RRsets that changed since the plan
// read them, and whether the zone already holds what the plan asks for (it
// was applied before; then nothing is stale). A zone whose plan recorded a
// read error is reported as such.
func Check(ctx context.Context, p providers.Provider, z *plan.Zone) (changed []plan.Fingerprint, inEffect bool, err error) {
	if z.Error != "" {
		return nil, false, fmt.Errorf("zone %s was not read when planning: %s", z.Zone, z.Error)
	}
	var observed []rrset.RRset
	if nr, ok := p.(providers.NameReader); ok {
		// A zone read name by name is checked at the names the plan read.
		keys := make([]rrset.Key, len(z.Read))
		for i, fp := range z.Read {
			keys[i] = rrset.Key{Name: fp.Name, Type: fp.Type}
		}
		observed, err = nr.RecordsAt(ctx, z.Zone, keys)
	} else {
		observed, err = p.Records(ctx, z.Zone)
	}
	if err != nil {
		return nil, false, fmt.Errorf("zone %s: re-read before apply: %w", z.Zone, err)
	}
	changed = z.Stale(observed)
	if len(changed) > 0 && z.InEffect(observed) {
		return nil, true, nil
	}
	return changed, false, nil
}

// Zone writes the zone's changes through p in [plan.Zone.Ordered] order. The
// provider writes them atomically where its API allows (RFC 2136, Route53, zone
// files); elsewhere a failure leaves the changes before it written.
func Zone(ctx context.Context, p providers.Provider, z *plan.Zone) Result {
	changes := z.Ordered()
	res := Result{Zone: z}
	if len(changes) == 0 {
		return res
	}
	edits := make([]rrset.Edit, len(changes))
	for i, c := range changes {
		edits[i] = c.Edit
	}
	n, err := p.Apply(ctx, z.Zone, edits)
	if n < 0 {
		n = 0
	}
	if n > len(changes) {
		n = len(changes)
	}
	res.Written = changes[:n]
	res.NotWritten = changes[n:]
	if err != nil {
		res.Err = fmt.Errorf("zone %s: %w", z.Zone, err)
	} else if n < len(changes) {
		res.Err = fmt.Errorf("zone %s: provider wrote %d of %d changes without reporting an error", z.Zone, n, len(changes))
	}
	return res
}
