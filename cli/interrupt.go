package cli

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Interruption, as apply handles it:
//
//   - The first SIGINT or SIGTERM stops new work: no new zone is read,
//     written or verified. Writes in flight finish, atomically as always, and
//     release their locks. Verification stops and shows what it saw so far.
//     The command then reports what was written and what was not, and exits
//     130 (SIGINT) or 143 (SIGTERM).
//   - A second signal cancels what is in flight at once. A zone file is
//     replaced by rename, and RFC 2136 and Route 53 write a zone in one
//     request, so each zone is still wholly old or wholly new; a Cloudflare
//     zone may have some of its records written, which the report says.

// stopper tracks the signals of one run.
type stopper struct {
	soft, hard         context.Context
	cancelSoft, cancel context.CancelFunc
	stopped            atomic.Bool
	mu                 sync.Mutex
	sig                os.Signal
}

func newStopper() *stopper {
	s := &stopper{}
	s.hard, s.cancel = context.WithCancel(context.Background())
	s.soft, s.cancelSoft = context.WithCancel(s.hard)
	return s
}

// watch handles signals from ch until the run ends: the first stops new work,
// the second cancels everything.
func (s *stopper) watch(ch <-chan os.Signal, say func(string)) {
	n := 0
	for sig := range ch {
		n++
		s.mu.Lock()
		if s.sig == nil {
			s.sig = sig
		}
		s.mu.Unlock()
		// Said before the run can see the stop and end.
		if n == 1 {
			say(fmt.Sprintf("mailzone: %s: no new zone starts; writes in flight finish. Interrupt again to stop at once.", signalName(sig)))
			s.stopped.Store(true)
			s.cancelSoft()
			continue
		}
		say(fmt.Sprintf("mailzone: %s again: stopping at once; each zone is left wholly old or new where the provider writes atomically.", signalName(sig)))
		s.cancel()
	}
}

// Stopped reports whether a signal came: no new work may start.
func (s *stopper) Stopped() bool { return s != nil && s.stopped.Load() }

// exitCode is 128 + the signal number of the first signal, the shell's
// convention: 130 for SIGINT, 143 for SIGTERM.
func (s *stopper) exitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sig, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(sig)
	}
	return 130
}

func (s *stopper) signal() os.Signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sig
}

func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return "stopped by " + sig.String()
}
