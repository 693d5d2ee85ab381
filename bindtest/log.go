package bindtest

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuffer collects named's stderr in memory, for assertions, and in named.log in
// the server's directory, for people.
type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	file *os.File
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.file != nil {
		_, _ = l.file.Write(p)
	}
	return len(p), nil
}

func (l *logBuffer) setFile(f *os.File) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.file = f
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

func (l *logBuffer) since(mark int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf.Bytes()
	if mark > len(b) {
		mark = len(b)
	}
	return string(b[mark:])
}

func (l *logBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(l.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func countLines(text, substr string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// Log returns everything named has logged since the server was created, over all
// its runs.
func (s *Server) Log() string { return s.log.String() }

// LogContains reports whether any log line contains substr.
func (s *Server) LogContains(substr string) bool { return s.CountLog(substr) > 0 }

// CountLog returns how many log lines contain substr. Useful log lines:
//
//	signer "KEY" approved                                  one per accepted UPDATE (primary)
//	updating zone 'example.com/IN': adding an RR at ...    one per RR an UPDATE adds or deletes
//	transfer of 'example.com/IN' from ...: Transfer completed   one per transfer (secondary)
//	received notify for zone 'example.com'                 one per NOTIFY received (secondary)
func (s *Server) CountLog(substr string) int { return countLines(s.log.String(), substr) }

// WaitLog waits until at least n log lines contain substr, and fails the test
// after timeout. Take the count before the action (n = CountLog(substr)+1) so an
// earlier line does not satisfy the wait.
func (s *Server) WaitLog(t testing.TB, substr string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for s.CountLog(substr) < n {
		if time.Now().After(deadline) {
			t.Fatalf("bindtest: %s %s: %d log lines contain %q after %v, want %d; log tail:\n%s",
				s.Role, s.Addr, s.CountLog(substr), substr, timeout, n, s.log.tail(20))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TransferCompleted is the substring of the line a secondary logs when a zone
// transfer (IXFR or AXFR) from its primary has completed.
const TransferCompleted = "Transfer completed"
