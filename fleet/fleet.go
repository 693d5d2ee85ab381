// Package fleet runs the stages over many zones at once: it groups the
// configured domains into targets (one zone at one provider), splits a fleet
// into shards for parallel CI jobs, reads and diffs the zones a bounded number
// at a time with progress, and stops starting new work when asked (a signal).
// Output order never depends on timing: results go by index.
package fleet

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
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
	ds := make([]*schema.Domain, 0, len(cfg.Domains))
	for _, d := range cfg.Domains {
		if len(want) == 0 || want[d.Name] {
			ds = append(ds, d)
		}
	}
	// By zone, then provider; the sort is stable, so a target's domains
	// stay in file order.
	slices.SortStableFunc(ds, func(a, b *schema.Domain) int {
		if c := strings.Compare(a.Zone, b.Zone); c != 0 {
			return c
		}
		return strings.Compare(a.Provider, b.Provider)
	})
	var out []*Target
	for i := 0; i < len(ds); {
		j := i + 1
		for j < len(ds) && ds[j].Zone == ds[i].Zone && ds[j].Provider == ds[i].Provider {
			j++
		}
		out = append(out, &Target{Zone: ds[i].Zone, Provider: ds[i].Provider, Domains: ds[i:j:j]})
		i = j
	}
	return out, nil
}

// Reading says how Read reads a fleet.
type Reading struct {
	// Providers are the opened providers, by name.
	Providers map[string]providers.Provider
	// Parallel is how many zones are read at once.
	Parallel int
	// Progress, when set, is told of every zone read.
	Progress *Progress
	// Stopped, when set, reports that no new zone may start (a signal);
	// Why then says why, for the zones left unread.
	Stopped func() bool
	Why     func() string
	// API lists every zone through its provider's API (--read api), even
	// where the provider's nameservers could show it unchanged.
	API bool
	// DNS is how zones' nameservers are reached: the resolver, and the
	// addresses configured per zone (verify.nameservers, --nameserver).
	DNS providers.DNS
	// Shown says the plan is only shown, never saved nor applied: it is
	// made without a record of what was read (plan.DiffShown).
	Shown bool
	// Stop, when set, is cancelled once no new work may start (the first
	// signal): work that only serves zones not started yet, such as a
	// provider's listing of the account's zones, ends there.
	Stop context.Context
}

// Read reads every target zone once and diffs it, rd.Parallel zones at a
// time; the plan lists zones in target order whatever the timing. Zones at a
// provider whose nameservers serve what it holds (providers.Served) are read
// there first (see served.go) and listed through the API only when DNS
// cannot prove them unchanged. Once rd.Stopped reports true no new zone is read; those zones are
// errors of the plan, with rd.Why() as the reason.
func Read(ctx context.Context, cfg *schema.Config, ts []*Target, rd Reading) *plan.Plan {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Config: cfg.File, Zones: make([]*plan.Zone, len(ts))}
	prepCtx, cancelPrep := context.WithCancel(ctx)
	defer cancelPrep()
	if rd.Stop != nil {
		defer context.AfterFunc(rd.Stop, cancelPrep)()
	}
	Prepare(prepCtx, ts, rd.Providers)
	why := rd.Why
	if why == nil {
		why = func() string { return "stopped" }
	}
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
	diff := plan.Diff
	if rd.Shown {
		diff = plan.DiffShown
	}
	served := servedReader{dns: rd.DNS, cache: verify.NewCache(), limiter: verify.NewLimiter(verify.DefaultPerAddress), breaker: newBreaker()}
	defer served.limiter.Close()
	ForEach(len(ts), rd.Parallel, rd.Progress, rd.Stopped, func(i int) bool {
		t := ts[i]
		prov := rd.Providers[t.Provider]
		var note string
		if s, ok := prov.(providers.Served); ok && !rd.API {
			var z *plan.Zone
			if z, note = served.read(ctx, s, t); z != nil {
				p.Zones[i] = z
				return true
			}
		}
		observed, err := ReadZone(ctx, prov, t.Zone, t.Domains)
		if err != nil {
			z := plan.Diff(t.Zone, t.Provider, t.Domains, nil)
			z.Changes, z.Unmanaged, z.Read = []plan.Change{}, nil, []plan.Fingerprint{}
			z.Error = err.Error()
			p.Zones[i] = z
			return false
		}
		z := diff(t.Zone, t.Provider, t.Domains, observed)
		_, z.Unlisted = prov.(providers.NameReader)
		if note != "" {
			z.ReadVia, z.ReadNote = plan.ReadAPI, note
		}
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
	return nr.RecordsAt(ctx, zone, OwnedKeys(domains))
}

// OwnedKeys lists the names and types the domains' records own, each once, in
// configuration order.
func OwnedKeys(domains []*schema.Domain) []rrset.Key {
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
	return keys
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
