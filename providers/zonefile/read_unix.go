//go:build unix

package zonefile

import (
	"io/fs"
	"sync"
	"syscall"
)

// readBuffers are the buffers readZoneText reads into, one per zone read at a
// time, so a fleet plan does not allocate (and collect) a buffer per file.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// readZoneText reads a zone file with plain system calls: open, read until end
// of file, close. os.ReadFile would also ask the runtime's poller to watch
// the file (an fcntl and an epoll_ctl that fail for regular files) and stat
// it for its size, which together cost more than the read itself when a
// fleet plan reads ten thousand small files.
func readZoneText(path string) (string, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return "", &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	buf, n := *bp, 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...) // a large file
			*bp = buf
		}
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return "", &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			return string(buf[:n]), nil
		}
		n += m
	}
}
