package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"sync"
)

// writeAtomic replaces the file at path with data so that a reader sees either
// the old or the new content, never a mix, and the new content survives a crash
// once it returns: a temporary file in the same directory is written, synced and
// renamed over the original, then the directory is synced (through syncs,
// which lets writes in parallel share one directory sync). The original's
// permission bits are kept. A symbolic link is followed and its target replaced.
func writeAtomic(path string, data []byte, syncs *dirSyncs) (err error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	// The temporary file has one fixed name per zone file: every write of a
	// zone happens under its lock, so no two writers share it, and a file left
	// by a killed process is simply overwritten by the next write.
	tmp, err := os.OpenFile(tmpName(path), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(fi.Mode().Perm()); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncs.sync(dir)
}

// tmpName is the temporary file a write of the zone file at path goes through.
func tmpName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
}

// removeStale removes the temporary file a write of the zone file at path left
// behind when its process was killed between creating and renaming it (SIGKILL
// runs no cleanup). Call it with the zone's lock held. It costs one unlink, not
// a scan of the directory, so a fleet of thousands of zone files in one
// directory applies in time linear in its size.
func removeStale(path string) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	os.Remove(tmpName(path))
}

// fileLocks holds one semaphore per zone file path, serializing applies within
// the process.
var fileLocks sync.Map // string → chan struct{}

// lock takes the in-process lock for the zone file at path and then the
// cross-process one (see lockFile); the returned function releases both. It
// gives up when ctx ends.
func lock(ctx context.Context, path string) (func(), error) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	v, _ := fileLocks.LoadOrStore(path, make(chan struct{}, 1))
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release, err := lockFile(ctx, path+".lock")
	if err != nil {
		<-sem
		return nil, err
	}
	return func() {
		release()
		<-sem
	}, nil
}
