package cli

import (
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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

// parseFraction parses "K/N" with 1 <= K <= N.
func parseFraction(s, what string) (k, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("--%s must be K/N with 1 <= K <= N, such as 1/4, not %q", what, s)
	}
	return k, n, nil
}

// share returns the rate share as a fraction, 0 for the whole limit.
func (f *fleetFlags) share() (float64, error) {
	if f.rateShare == "" {
		return 0, nil
	}
	k, n, err := parseFraction(f.rateShare, "rate-share")
	if err != nil {
		return 0, err
	}
	return float64(k) / float64(n), nil
}

// inShard filters targets to shard K of N. A zone's shard depends only on its
// name and N (jump consistent hashing), so adding or removing a zone moves no
// other zone, and growing N from 4 to 5 moves only a fifth of them.
func (f *fleetFlags) inShard(ts []*target) ([]*target, error) {
	if f.shard == "" {
		return ts, nil
	}
	k, n, err := parseFraction(f.shard, "shard")
	if err != nil {
		return nil, err
	}
	var out []*target
	for _, t := range ts {
		if shardOf(t.zone, n) == k-1 {
			out = append(out, t)
		}
	}
	return out, nil
}

// shardOf is jump consistent hash (Lamping and Veach, 2014) of the zone name
// into n buckets.
func shardOf(zone string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(zone))
	key := h.Sum64()
	var b, j int64 = -1, 0
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}

// forEach runs fn for 0..n-1 on at most parallel goroutines and waits. Results
// go wherever fn puts them by index, so output order never depends on timing.
func forEach(n, parallel int, p *progress, fn func(i int) bool) {
	forEachUntil(n, parallel, p, nil, fn)
}

// forEachUntil is forEach that starts no new item once stopped reports true;
// items not started are left untouched, for the caller to report.
func forEachUntil(n, parallel int, p *progress, stopped func() bool, fn func(i int) bool) {
	if parallel < 1 {
		parallel = 1
	}
	if parallel > n {
		parallel = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || (stopped != nil && stopped()) {
					return
				}
				ok := fn(i)
				p.done(ok)
			}
		}()
	}
	wg.Wait()
	p.finish()
}

// progress reports a long run: a bar redrawn in place on a terminal, a quiet
// line every few seconds elsewhere, nothing for short runs.
type progress struct {
	w        io.Writer
	verb     string
	total    int
	terminal bool
	start    time.Time

	mu         sync.Mutex
	n, errs    int
	lastDrawn  time.Time
	everDrawn  bool
	minTotal   int
	lineEvery  time.Duration
	barEvery   time.Duration
	barWidth   int
	nowForTest func() time.Time
}

// newProgress makes a reporter for total items; it stays silent below 20 items.
func (r *run) newProgress(verb string, total int) *progress {
	now := time.Now()
	return &progress{w: r.env.Stderr, verb: verb, total: total, terminal: r.env.StderrTerminal,
		start: now, lastDrawn: now, minTotal: 20, lineEvery: 5 * time.Second, barEvery: 100 * time.Millisecond, barWidth: 30}
}

func (p *progress) now() time.Time {
	if p.nowForTest != nil {
		return p.nowForTest()
	}
	return time.Now()
}

func (p *progress) done(ok bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if !ok {
		p.errs++
	}
	if p.total < p.minTotal {
		return
	}
	now := p.now()
	every := p.lineEvery
	if p.terminal {
		every = p.barEvery
	}
	if now.Sub(p.lastDrawn) >= every || (p.terminal && p.n == p.total) {
		p.lastDrawn = now
		p.draw(now)
	}
}

func (p *progress) draw(now time.Time) {
	elapsed := now.Sub(p.start).Round(100 * time.Millisecond)
	if p.terminal {
		filled := p.barWidth * p.n / p.total
		bar := strings.Repeat("=", filled) + strings.Repeat(" ", p.barWidth-filled)
		fmt.Fprintf(p.w, "\r%s [%s] %d/%d zones  %d errors  %s ", p.verb, bar, p.n, p.total, p.errs, elapsed)
		p.everDrawn = true
		return
	}
	fmt.Fprintf(p.w, "%s: %d/%d zones, %d errors, %s\n", p.verb, p.n, p.total, p.errs, elapsed)
}

func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.everDrawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
