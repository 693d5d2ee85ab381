package fleet

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// Interruption, as a run handles it:
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

// Stopper tracks the signals of one run. The zero value is not usable; use
// NewStopper.
type Stopper struct {
	soft, hard         context.Context
	cancelSoft, cancel context.CancelFunc
	stopped            atomic.Bool
	mu                 sync.Mutex
	sig                os.Signal
}

// NewStopper returns a Stopper no signal has reached yet.
func NewStopper() *Stopper {
	s := &Stopper{}
	s.hard, s.cancel = context.WithCancel(context.Background())
	s.soft, s.cancelSoft = context.WithCancel(s.hard)
	return s
}

// Soft is cancelled by the first signal: waits (verification) end there.
func (s *Stopper) Soft() context.Context { return s.soft }

// Hard is cancelled by the second signal: work in flight (writes) ends there.
func (s *Stopper) Hard() context.Context { return s.hard }

// Watch handles signals from ch until the run ends: the first stops new work,
// the second cancels everything. say prints a line for the user.
func (s *Stopper) Watch(ch <-chan os.Signal, say func(string)) {
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
			say(fmt.Sprintf("mailzone: %s: no new zone starts; writes in flight finish. Interrupt again to stop at once.", SignalName(sig)))
			s.stopped.Store(true)
			s.cancelSoft()
			continue
		}
		say(fmt.Sprintf("mailzone: %s again: stopping at once; each zone is left wholly old or new where the provider writes atomically.", SignalName(sig)))
		s.cancel()
	}
}

// Stopped reports whether a signal came: no new work may start.
func (s *Stopper) Stopped() bool { return s != nil && s.stopped.Load() }

// ExitCode is 128 + the signal number of the first signal, the shell's
// convention: 130 for SIGINT, 143 for SIGTERM.
func (s *Stopper) ExitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sig, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(sig)
	}
	return 130
}

// Why says what stopped the run, for the zones it left undone.
func (s *Stopper) Why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SignalName(s.sig)
}

// SignalName says what a signal did, for messages.
func SignalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "interrupted (SIGINT)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	case nil:
		return "stopped"
	}
	return "stopped by " + sig.String()
}
