package apply

import (
	"strings"
	"testing"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
)

// fleetPlan is a plan over n zones that each held existing owned record
// sets, with updates, deletes and creates.
func fleetPlan(zones, existing, updates, deletes, creates int) *plan.Plan {
	p := &plan.Plan{}
	for i := 0; i < zones; i++ {
		z := &plan.Zone{Zone: "customer.example", Existing: existing}
		for range updates {
			z.Changes = append(z.Changes, plan.Change{Action: rrset.Update})
		}
		for range deletes {
			z.Changes = append(z.Changes, plan.Change{Action: rrset.Delete})
		}
		for range creates {
			z.Changes = append(z.Changes, plan.Change{Action: rrset.Create})
		}
		p.Zones = append(p.Zones, z)
	}
	return p
}

// TestMassChange: a profile edit over a fleet is refused over the
// threshold; creates never count, and a handful of changes never trips it.
func TestMassChange(t *testing.T) {
	for _, c := range []struct {
		name   string
		p      *plan.Plan
		refuse bool
	}{
		{"profile edit over 100 domains: every SPF updated", fleetPlan(100, 4, 1, 0, 0), false}, // 25%
		{"profile edit over 100 domains: SPF and DMARC", fleetPlan(100, 4, 2, 0, 0), true},      // 50%
		{"deletes count", fleetPlan(100, 4, 0, 2, 0), true},
		{"onboarding 100 domains: creates only", fleetPlan(100, 0, 0, 0, 4), false},
		{"ten changes never trip it", fleetPlan(5, 1, 2, 0, 0), false},
		{"eleven do", fleetPlan(11, 1, 1, 0, 0), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := MassChange(c.p, 30, 10)
			if (err != nil) != c.refuse {
				t.Fatalf("refused %v (%v), want %v", err != nil, err, c.refuse)
			}
			if err != nil && !strings.Contains(err.Error(), "--allow-mass-change") {
				t.Errorf("the refusal does not name the flag: %v", err)
			}
		})
	}
}
