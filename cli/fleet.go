package cli

import (
	"flag"

	"github.com/mailzone/mailzone/fleet"
)

// fleetFlags control how a run spreads over many zones.
type fleetFlags struct {
	parallel  int
	shard     string
	rateShare string
}

// defaultParallel is how many zones are read, planned, applied and verified at
// once. Providers' own rate limiters bound API traffic whatever this is; the
// value only needs to cover request latency.
const defaultParallel = 16

func (f *fleetFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.parallel, "parallel", defaultParallel, "zones worked on at once")
	fs.StringVar(&f.shard, "shard", "", "work on shard K of N only (K/N, 1-based), split by a stable hash of the zone name")
	fs.StringVar(&f.rateShare, "rate-share", "", "use this share of each provider's API rate limit (1/N for N parallel jobs)")
}

// share returns the rate share as a fraction, 0 for the whole limit.
func (f *fleetFlags) share() (float64, error) {
	if f.rateShare == "" {
		return 0, nil
	}
	k, n, err := fleet.ParseFraction(f.rateShare, "rate-share")
	if err != nil {
		return 0, err
	}
	return float64(k) / float64(n), nil
}

// inShard filters targets to the shard --shard names.
func (f *fleetFlags) inShard(ts []*fleet.Target) ([]*fleet.Target, error) {
	return fleet.InShard(ts, f.shard)
}

// newProgress makes a progress reporter on stderr.
func (r *run) newProgress(verb string, total int) *fleet.Progress {
	return fleet.NewProgress(r.env.Stderr, verb, total, r.env.StderrTerminal)
}
