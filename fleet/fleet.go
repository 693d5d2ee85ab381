// Package fleet runs the stages over many zones at once: it groups the
// configured domains into targets (one zone at one provider), splits a fleet
// into shards for parallel CI jobs, reads and diffs the zones a bounded number
// at a time with progress, and stops starting new work when asked (a signal).
// Output order never depends on timing: results go by index.
package fleet

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// Target is one zone at one provider instance, with the domains it holds.
type Target struct {
	Zone     string
	Provider string
	Domains  []*schema.Domain
}

// Targets groups the selected domains by provider and zone, sorted.
func Targets(cfg *schema.Config, only []string) ([]*Target, error) {
	want := map[string]bool{}
	for _, d := range only {
		name := strings.ToLower(strings.TrimSuffix(d, "."))
		if cfg.Domain(name) == nil {
			return nil, fmt.Errorf("domain %s is not in %s", name, cfg.File)
		}
		want[name] = true
	}
	index := map[string]*Target{}
	var out []*Target
	for _, d := range cfg.Domains {
		if len(want) > 0 && !want[d.Name] {
			continue
		}
		key := d.Provider + "\x00" + d.Zone
		t, ok := index[key]
		if !ok {
			t = &Target{Zone: d.Zone, Provider: d.Provider}
			index[key] = t
			out = append(out, t)
		}
		t.Domains = append(t.Domains, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Zone != out[j].Zone {
			return out[i].Zone < out[j].Zone
		}
		return out[i].Provider < out[j].Provider
	})
	return out, nil
}

// Read reads every target zone once and diffs it, parallel zones at a time;
// the plan lists zones in target order whatever the timing. Once stopped
// reports true no new zone is read; those zones are errors of the plan, with
// why() as the reason.
func Read(ctx context.Context, cfg *schema.Config, ts []*Target, opened map[string]providers.Provider, parallel int, prog *Progress, stopped func() bool, why func() string) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Config: cfg.File, Zones: make([]*plan.Zone, len(ts))}
	Prepare(ctx, ts, opened)
	defer func() {
		// Zones an interruption kept from being read are errors of the plan.
		for i, t := range ts {
			if p.Zones[i] == nil {
				z := plan.Diff(t.Zone, t.Provider, t.Domains, nil)
				z.Changes, z.Unmanaged, z.Read = []plan.Change{}, nil, []plan.Fingerprint{}
				z.Error = "not read: " + why()
				p.Zones[i] = z
			}
		}
	}()
	ForEach(len(ts), parallel, prog, stopped, func(i int) bool {
		t := ts[i]
		observed, err := ReadZone(ctx, opened[t.Provider], t.Zone, t.Domains)
		if err != nil {
			z := plan.Diff(t.Zone, t.Provider, t.Domains, nil)
			z.Changes, z.Unmanaged, z.Read = []plan.Change{}, nil, []plan.Fingerprint{}
			z.Error = err.Error()
			p.Zones[i] = z
			return false
		}
		z := plan.Diff(t.Zone, t.Provider, t.Domains, observed)
		_, z.Unlisted = opened[t.Provider].(providers.NameReader)
		p.Zones[i] = z
		return true
	})
	return p
}

// ReadZone reads what the plan of domains needs from zone: the whole zone,
// or, from a provider that cannot list it, the names the domains' records own.
func ReadZone(ctx context.Context, p providers.Provider, zone string, domains []*schema.Domain) ([]rrset.RRset, error) {
	nr, ok := p.(providers.NameReader)
	if !ok {
		return p.Records(ctx, zone)
	}
	var keys []rrset.Key
	seen := map[rrset.Key]bool{}
	for _, d := range domains {
		for _, rec := range d.Records() {
			if k := rec.Set.Key(); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return nr.RecordsAt(ctx, zone, keys)
}

// WithoutDomains drops the named domains from targets, and targets left empty.
func WithoutDomains(ts []*Target, drop map[string]bool) []*Target {
	var out []*Target
	for _, t := range ts {
		var keep []*schema.Domain
		for _, d := range t.Domains {
			if !drop[d.Name] {
				keep = append(keep, d)
			}
		}
		if len(keep) > 0 {
			out = append(out, &Target{Zone: t.Zone, Provider: t.Provider, Domains: keep})
		}
	}
	return out
}

// Prepare lets each provider that can find many zones at once do so, before
// the zones are read one by one.
func Prepare(ctx context.Context, ts []*Target, opened map[string]providers.Provider) {
	zones := map[string][]string{}
	for _, t := range ts {
		zones[t.Provider] = append(zones[t.Provider], t.Zone)
	}
	for name, zs := range zones {
		if p, ok := opened[name].(providers.Preparer); ok {
			p.Prepare(ctx, zs)
		}
	}
}
