package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// writeAtomic replaces the file at path with data so that a reader sees either
// the old or the new content, never a mix, and the new content survives a crash
// once it returns: a temporary file in the same directory is written, synced and
// renamed over the original, then the directory is synced. The original's
// permission bits are kept. A symbolic link is followed and its target replaced.
func writeAtomic(path string, data []byte) (err error) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
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
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStale removes the temporary files that writes of the zone file at path
// left behind when their process was killed between creating and renaming them
// (SIGKILL runs no cleanup). Call it with the zone's lock held: every write of
// the zone happens under that lock, so none of the files is in use.
func removeStale(path string) {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	prefix := "." + filepath.Base(path) + ".tmp"
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if ok && rest != "" && strings.Trim(rest, "0123456789") == "" && e.Type().IsRegular() {
			os.Remove(filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
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
