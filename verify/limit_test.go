package verify

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLimiter: no more than per questions are in flight to one address,
// other addresses are not held up, and a wait ends with the context.
func TestLimiter(t *testing.T) {
	l := NewLimiter(3)
	var inFlight, most atomic.Int64
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			release, err := l.acquire(context.Background(), "192.0.2.53:53")
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			inFlight.Add(-1)
			release()
		})
	}
	wg.Wait()
	if most.Load() != 3 {
		t.Errorf("most in flight %d, want 3", most.Load())
	}
	var held []func()
	for range 3 {
		r, _ := l.acquire(context.Background(), "192.0.2.53:53")
		held = append(held, r)
	}
	if r, err := l.acquire(context.Background(), "198.51.100.53:53"); err != nil {
		t.Errorf("another address waited: %v", err)
	} else {
		r()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx, "192.0.2.53:53"); err == nil {
		t.Error("a full address gave room")
	}
	for _, r := range held {
		r()
	}
	var nilLimiter *Limiter
	if r, err := nilLimiter.acquire(context.Background(), "x"); err != nil {
		t.Error(err)
	} else {
		r()
	}
}

// TestCacheOnce: concurrent zones that share an NS set resolve it once.
func TestCacheOnce(t *testing.T) {
	c := NewCache()
	var calls atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			addrs, _ := c.host("resolver ns1.dnshost.example.", func() ([]string, string) {
				calls.Add(1)
				time.Sleep(5 * time.Millisecond)
				return []string{"192.0.2.53:53"}, ""
			})
			if len(addrs) != 1 {
				t.Error("no address")
			}
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d lookups, want 1", calls.Load())
	}
}
