package zonefile

import (
	"os"
	"sync"
)

// dirSyncs makes the renames of many zone files durable with as few
// directory fsyncs as the writes allow (a group commit). A write renames its
// file, then asks for a sync of the directory that starts after its rename:
// one sync covers every rename done before it started, so zones written in
// parallel share syncs, and each write still returns only once its rename
// is on disk.
type dirSyncs struct {
	mu   sync.Mutex
	dirs map[string]*dirSync
}

// dirSync is the group commit of one directory.
type dirSync struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started uint64           // syncs started so far
	done    uint64           // the last sync finished
	running bool             // a sync is under way
	failed  map[uint64]error // the syncs that failed
	sync    func() error     // fsync of the directory
}

// sync makes every rename done in dir before the call durable.
func (s *dirSyncs) sync(dir string) error {
	s.mu.Lock()
	if s.dirs == nil {
		s.dirs = map[string]*dirSync{}
	}
	d, ok := s.dirs[dir]
	if !ok {
		d = &dirSync{failed: map[uint64]error{}, sync: func() error { return fsyncDir(dir) }}
		d.cond = sync.NewCond(&d.mu)
		s.dirs[dir] = d
	}
	s.mu.Unlock()
	return d.wait()
}

// wait returns once a sync that started after the call has finished.
func (d *dirSync) wait() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	// A sync under way may have started before our rename: only the next
	// one to start counts.
	need := d.started + 1
	for d.done < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		gen := d.started
		d.mu.Unlock()
		err := d.sync()
		d.mu.Lock()
		d.running = false
		d.done = gen
		if err != nil {
			d.failed[gen] = err
		}
		d.cond.Broadcast()
	}
	// The first sync at or after need that finished is the one that covers
	// us: syncs run one at a time, so it is need itself.
	return d.failed[need]
}

// fsyncDir syncs a directory, so that the renames in it survive a crash.
func fsyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
