package verify

import (
	"context"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Limiter bounds the questions in flight to each nameserver address across
// every zone of a run: a fleet at one DNS host sends thousands of zones'
// questions to the same few addresses, and more at once than a server
// takes only turns into drops, retries and timeouts. Safe for concurrent
// use; the zero value is not usable, use NewLimiter.
type Limiter struct {
	per   int
	mu    sync.Mutex
	sems  map[string]chan struct{}
	conns map[string][]*dns.Conn // idle UDP sockets to each address
}

// DefaultPerAddress is how many questions fleet runs keep in flight to one
// nameserver address.
const DefaultPerAddress = 32

// NewLimiter allows per questions in flight to each address.
func NewLimiter(per int) *Limiter {
	return &Limiter{per: max(per, 1), sems: map[string]chan struct{}{}, conns: map[string][]*dns.Conn{}}
}

// conn returns an idle UDP socket to addr, or a new one: a fleet run asks
// each address thousands of questions, and a socket per question costs more
// than the question.
func (l *Limiter) conn(addr string, timeout time.Duration) (*dns.Conn, error) {
	l.mu.Lock()
	if idle := l.conns[addr]; len(idle) > 0 {
		c := idle[len(idle)-1]
		l.conns[addr] = idle[:len(idle)-1]
		l.mu.Unlock()
		return c, nil
	}
	l.mu.Unlock()
	return dns.DialTimeout("udp", addr, timeout)
}

// done gives back a socket that answered; one that failed is closed, since
// a late answer may still arrive on it.
func (l *Limiter) done(addr string, c *dns.Conn, err error) {
	if err == nil {
		l.mu.Lock()
		if len(l.conns[addr]) < l.per {
			l.conns[addr] = append(l.conns[addr], c)
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
	c.Close()
}

// Close closes the idle sockets; the Limiter stays usable.
func (l *Limiter) Close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for addr, cs := range l.conns {
		for _, c := range cs {
			c.Close()
		}
		delete(l.conns, addr)
	}
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
	return exchange(ctx, o.Limiter, addr, name, qtype, false, o.QueryTimeout)
}
