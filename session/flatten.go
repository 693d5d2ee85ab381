package session

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/mailzone/mailzone/flatten"
	"github.com/mailzone/mailzone/fleet"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/schema"
)

// flattenTimeout bounds the resolution of every flattened include of a run.
const flattenTimeout = 2 * time.Minute

// flattenSPF resolves the flattened SPF includes of the targets' domains
// (package flatten), each include once. It returns the domains it refused,
// with why; offline, it resolves nothing and says that the published
// records are kept.
func (r *Session) flattenSPF(cfg *schema.Config, ts []*fleet.Target, resolver string, offline bool) map[string]error {
	var ds []*schema.Domain
	for _, t := range ts {
		for _, d := range t.Domains {
			if d.SPF != nil && d.SPF.Flatten != nil && !d.SPF.Absent {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		return nil
	}
	if offline {
		fmt.Fprintf(r.Env.Stderr, "mailzone: %d domain(s) flatten SPF includes, which --offline cannot resolve: their published SPF and _spf<N> records are kept as they are\n", len(ds))
		return nil
	}
	res, err := r.resolver(cfg, resolver)
	if err != nil {
		refused := map[string]error{}
		for _, d := range ds {
			refused[d.Name] = fmt.Errorf("resolver: %w", err)
		}
		return refused
	}
	ctx, cancel := context.WithTimeout(r.stop.Soft(), flattenTimeout)
	defer cancel()
	results, refused := flatten.Apply(ctx, flatten.NewResolver(res), ds)
	r.flattened = append(r.flattened, results...)
	return refused
}

// flattenedOf are the flattening results of the domains the plan covers.
func (r *Session) flattenedOf(p *plan.Plan) []*flatten.Result {
	if len(r.flattened) == 0 {
		return nil
	}
	in := p.Covers()
	var out []*flatten.Result
	for _, res := range r.flattened {
		if in[res.Domain] {
			out = append(out, res)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}
