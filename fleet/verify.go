package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// Check is what to verify in one zone.
type Check struct {
	Zone string
	// ProviderNS are the nameservers the provider's API assigned to the
	// zone, when it says (Cloudflare, Route53).
	ProviderNS []string
	// Domain is the first domain of the zone, for its verify settings.
	Domain *schema.Domain
	// Records are the record sets every nameserver must serve.
	Records []verify.Record
}

// ChecksFromPlan verifies what a plan wrote: the records after each change.
func ChecksFromPlan(cfg *schema.Config, zs []*plan.Zone) []Check {
	var out []Check
	for _, z := range zs {
		if len(z.Changes) == 0 {
			continue
		}
		c := Check{Zone: z.Zone}
		for _, name := range z.Domains {
			if d := cfg.Domain(name); d != nil && c.Domain == nil {
				c.Domain = d
			}
		}
		for _, ch := range z.Changes {
			set := ch.New
			if set.Name == "" {
				set = rrset.RRset{Name: ch.Old.Name, Type: ch.Old.Type}
			}
			owns := schema.Record{Field: ch.Field, Set: set}.Owns
			c.Records = append(c.Records, verify.Record{Field: field(len(z.Domains), ch.Domain, ch.Field), Set: set, Owns: owns})
		}
		out = append(out, c)
	}
	return out
}

// ChecksFromConfig verifies the whole desired state of the targets.
func ChecksFromConfig(ts []*Target) []Check {
	var out []Check
	for _, t := range ts {
		c := Check{Zone: t.Zone, Domain: t.Domains[0]}
		for _, d := range t.Domains {
			for _, rec := range d.Records() {
				c.Records = append(c.Records, verify.Record{Field: field(len(t.Domains), d.Name, rec.Field), Set: rec.Set, Owns: rec.Owns})
			}
		}
		out = append(out, c)
	}
	return out
}

// field names a record in the matrix: the field alone, or prefixed with the
// domain when a zone holds several domains.
func field(domains int, domain, f string) string {
	if domains > 1 {
		return domain + " " + f
	}
	return f
}

// RunTimeout is the one deadline of a verification run: flag when set,
// else the longest verify.timeout of the zones, else verify's default.
func RunTimeout(flag time.Duration, checks []Check) time.Duration {
	if flag > 0 {
		return flag
	}
	var t time.Duration
	for _, c := range checks {
		if c.Domain != nil {
			t = max(t, c.Domain.Verify.Timeout)
		}
	}
	if t == 0 {
		t = verify.DefaultTimeout
	}
	return t
}

// Verified is the outcome of verifying one zone.
type Verified struct {
	Result *verify.Result
	Err    error
	// Delegation is set when asked for and checked.
	Delegation *verify.Delegation
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Options returns the verify options of one zone; Verify sets its
	// timeout to the run's deadline.
	Options func(c Check) verify.Options
	// Deadline ends the whole run; Timeout is its length, for messages.
	Deadline time.Time
	Timeout  time.Duration
	// Parallel is how many zones are verified at once.
	Parallel int
	// Progress reports zones done; nil reports nothing.
	Progress *Progress
	// Stopped reports an interruption: no zone starts after it.
	Stopped func() bool
	// Delegation also checks each zone's delegation.
	Delegation bool
}

// sequentialAbove is the number of zones above which each zone asks each
// address one record at a time (verify.Options.Sequential).
const sequentialAbove = 64

// Verify checks every zone concurrently under one deadline for the whole
// run. Each zone's verification ends at the deadline by its own timeout and
// reports what it saw; ctx (cancelled a little later, or by an
// interruption) bounds only what runs past it. Results go by index.
func Verify(ctx context.Context, checks []Check, o VerifyOptions) []Verified {
	out := make([]Verified, len(checks))
	// The zones of a run share the resolver's answers about nameserver
	// names and parents, and each nameserver address's capacity.
	cache, limiter := verify.NewCache(), verify.NewLimiter(verify.DefaultPerAddress)
	defer limiter.Close()
	ForEach(len(checks), o.Parallel, o.Progress, nil, func(i int) bool {
		c := checks[i]
		vo := o.Options(c)
		vo.Cache, vo.Limiter = cache, limiter
		// Many zones in flight: one question at a time per address and
		// zone, the limiter bounding each address; a few zones: all at once.
		vo.Sequential = len(checks) > sequentialAbove
		vo.ProviderNameservers = c.ProviderNS
		vo.Timeout = time.Until(o.Deadline)
		if vo.Timeout <= 0 || ctx.Err() != nil || (o.Stopped != nil && o.Stopped()) {
			out[i].Err = fmt.Errorf("not checked: the run's deadline (%v) or an interruption came first", o.Timeout)
			return false
		}
		out[i].Result, out[i].Err = verify.Verify(ctx, c.Zone, c.Records, vo)
		if o.Delegation && ctx.Err() == nil {
			out[i].Delegation, _ = verify.CheckDelegation(ctx, c.Zone, vo)
		}
		return out[i].Err == nil && out[i].Result != nil && out[i].Result.Verified
	})
	return out
}

// Live splits the checks of the zones written (checks[i] is zones[i]) into
// those to verify now and the zones whose writes are staged (zone files
// that a nameserver loads later), which are not, unless nameservers to ask
// are given (flagNS, --nameserver) or configured (verify.nameservers).
func Live(checks []Check, zones []*plan.Zone, opened map[string]providers.Provider, flagNS []string) (live []Check, staged []string) {
	for i, c := range checks {
		st, _ := opened[zones[i].Provider].(providers.Staged)
		explicit := len(flagNS) > 0 || (c.Domain != nil && len(c.Domain.Verify.Nameservers) > 0)
		if st != nil && st.Staged() && !explicit {
			staged = append(staged, c.Zone)
			continue
		}
		live = append(live, c)
	}
	return live, staged
}
