package verify

import (
	"context"
	"sync"

	"github.com/miekg/dns"
)

// Limiter bounds the questions in flight to each nameserver address across
// every zone of a run: a fleet at one DNS host sends thousands of zones'
// questions to the same few addresses, and more at once than a server
// takes only turns into drops, retries and timeouts. Safe for concurrent
// use; the zero value is not usable, use NewLimiter.
type Limiter struct {
	per  int
	mu   sync.Mutex
	sems map[string]chan struct{}
}

// DefaultPerAddress is how many questions fleet runs keep in flight to one
// nameserver address.
const DefaultPerAddress = 32

// NewLimiter allows per questions in flight to each address.
func NewLimiter(per int) *Limiter {
	return &Limiter{per: max(per, 1), sems: map[string]chan struct{}{}}
}

// acquire waits for room to ask addr; the returned func gives it back.
func (l *Limiter) acquire(ctx context.Context, addr string) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	sem, ok := l.sems[addr]
	if !ok {
		sem = make(chan struct{}, l.per)
		l.sems[addr] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// askAuth sends one question to an authoritative address (RD=0) within
// the run's per-address limit.
func askAuth(ctx context.Context, o Options, addr, name string, qtype uint16) (*dns.Msg, error) {
	release, err := o.Limiter.acquire(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer release()
	return exchange(ctx, addr, name, qtype, false, o.QueryTimeout)
}
