package zonefile

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDirSyncGroupCommit: 64 writers asking at once share few syncs, and
// each returns only after a sync that started after it asked.
func TestDirSyncGroupCommit(t *testing.T) {
	var syncs, inFlight, most atomic.Int64
	var startedAt sync.Map // generation -> time the sync started
	d := &dirSync{failed: map[uint64]error{}}
	d.cond = sync.NewCond(&d.mu)
	d.sync = func() error {
		n := syncs.Add(1)
		startedAt.Store(uint64(n), time.Now())
		if f := inFlight.Add(1); f > most.Load() {
			most.Store(f)
		}
		time.Sleep(5 * time.Millisecond)
		inFlight.Add(-1)
		return nil
	}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			asked := time.Now()
			if err := d.wait(); err != nil {
				t.Error(err)
			}
			// Some sync that finished started after this writer asked.
			d.mu.Lock()
			done := d.done
			d.mu.Unlock()
			v, _ := startedAt.Load(done)
			if v.(time.Time).Before(asked) {
				t.Errorf("returned after a sync that started before the rename")
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d syncs ran at once", most.Load())
	}
	if n := syncs.Load(); n > 8 {
		t.Errorf("64 writers made %d directory syncs", n)
	}
	t.Logf("64 parallel writes: %d directory syncs", syncs.Load())
}

// TestDirSyncFailure: a failed sync is the error of the writes it covered,
// and the next writes get a sync of their own.
func TestDirSyncFailure(t *testing.T) {
	fail := errors.New("EIO")
	calls := 0
	d := &dirSync{failed: map[uint64]error{}}
	d.cond = sync.NewCond(&d.mu)
	d.sync = func() error {
		calls++
		if calls == 1 {
			return fail
		}
		return nil
	}
	if err := d.wait(); !errors.Is(err, fail) {
		t.Errorf("first: %v", err)
	}
	if err := d.wait(); err != nil {
		t.Errorf("second: %v", err)
	}
}
