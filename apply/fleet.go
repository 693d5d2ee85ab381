package apply

import (
	"context"
	"fmt"

	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
)

// Fleet applies a plan over many zones: the safety threshold, the stale
// check of every zone before any write, and the writes, a bounded number of
// zones at a time. Zones of manual providers are not written; they are
// returned for their instructions.
type Fleet struct {
	// Providers are the opened providers, by name.
	Providers map[string]providers.Provider
	// Parallel is how many zones are checked and written at once.
	Parallel int
	// Progress makes the progress reporter of a stage; nil reports nothing.
	Progress func(verb string, total int) *fleet.Progress
	// Stopped reports that no new zone should be started (a signal).
	Stopped func() bool
}

// MassChange is the refusal of a plan that updates or deletes more than
// maxPercent of the owned record sets that exist, when more than floor
// would change. Creates never count, so onboarding a fleet is not blocked.
func MassChange(p *plan.Plan, maxPercent, floor int) error {
	changed, existing := p.MassChange()
	if changed <= floor || changed*100 <= maxPercent*existing {
		return nil
	}
	return fmt.Errorf("the plan updates or deletes %d of the %d owned record sets that exist (%d%%), over the safety threshold of %d%% (defaults.safety.max_change_percent); review the plan, then apply with --allow-mass-change; nothing was changed",
		changed, existing, changed*100/max(existing, 1), maxPercent)
}

// Checked is the outcome of checking a plan's zones before writing.
type Checked struct {
	// Pending are the zones to write (or, for manual providers, to ask for).
	Pending []*plan.Zone
	// InEffect are the zones that already hold what the plan asks for.
	InEffect []*plan.Zone
	// Stale says, per problem, why the plan cannot be applied; when it is
	// not empty nothing may be written.
	Stale []string
}

// Check re-reads every zone with changes and sorts them: stale (changed
// since the plan; the whole plan is then refused), already in effect, or
// pending. With fresh set (the plan was made by this run, with no pause)
// nothing is re-read.
func (f Fleet) Check(ctx context.Context, p *plan.Plan, fresh bool) Checked {
	var work []*plan.Zone
	for _, z := range p.Zones {
		if len(z.Changes) > 0 {
			work = append(work, z)
		}
	}
	if fresh {
		return Checked{Pending: work}
	}
	stale := make([][]string, len(work))
	inEffect := make([]bool, len(work))
	fleet.ForEach(len(work), f.Parallel, f.progress("check", len(work)), nil, func(i int) bool {
		z := work[i]
		changed, done, err := Check(ctx, f.Providers[z.Provider], z)
		if err != nil {
			stale[i] = append(stale[i], err.Error())
			return false
		}
		inEffect[i] = done
		for _, fp := range changed {
			stale[i] = append(stale[i], fmt.Sprintf("zone %s: %s %s changed since the plan was made", z.Zone, fp.Name, fp.Type))
		}
		return len(changed) == 0
	})
	var out Checked
	for i, z := range work {
		out.Stale = append(out.Stale, stale[i]...)
		if inEffect[i] {
			out.InEffect = append(out.InEffect, z)
		} else {
			out.Pending = append(out.Pending, z)
		}
	}
	return out
}

// Manual splits zones into those a provider writes and those of manual
// providers, which someone else edits.
func (f Fleet) Manual(zones []*plan.Zone) (writable, manual []*plan.Zone) {
	for _, z := range zones {
		if providers.IsManual(f.Providers[z.Provider]) {
			manual = append(manual, z)
		} else {
			writable = append(writable, z)
		}
	}
	return writable, manual
}

// Write writes the zones, a bounded number at a time, and stops starting
// new ones once Stopped reports true. A zone never started has a Result
// with a nil Zone.
func (f Fleet) Write(ctx context.Context, zones []*plan.Zone) []Result {
	results := make([]Result, len(zones))
	fleet.ForEach(len(zones), f.Parallel, f.progress("apply", len(zones)), f.Stopped, func(i int) bool {
		results[i] = Zone(ctx, f.Providers[zones[i].Provider], zones[i])
		return results[i].Err == nil
	})
	return results
}

func (f Fleet) progress(verb string, total int) *fleet.Progress {
	if f.Progress == nil {
		return nil
	}
	return f.Progress(verb, total)
}
