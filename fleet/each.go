package fleet

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ForEach runs fn for 0..n-1 on at most parallel goroutines and waits. Results
// go wherever fn puts them by index, so output order never depends on timing.
// Once stopped (when not nil) reports true no new item starts; items not
// started are left untouched, for the caller to report.
func ForEach(n, parallel int, p *Progress, stopped func() bool, fn func(i int) bool) {
	if parallel < 1 {
		parallel = 1
	}
	if parallel > n {
		parallel = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || (stopped != nil && stopped()) {
					return
				}
				ok := fn(i)
				p.done(ok)
			}
		}()
	}
	wg.Wait()
	p.finish()
}

// Progress reports a long run: a bar redrawn in place on a terminal, a quiet
// line every few seconds elsewhere, nothing for short runs.
type Progress struct {
	w        io.Writer
	verb     string
	total    int
	terminal bool
	start    time.Time

	mu         sync.Mutex
	n, errs    int
	lastDrawn  time.Time
	everDrawn  bool
	minTotal   int
	lineEvery  time.Duration
	barEvery   time.Duration
	barWidth   int
	nowForTest func() time.Time
}

// NewProgress makes a reporter for total items, writing to w (a terminal when
// terminal is set); it stays silent below 20 items.
func NewProgress(w io.Writer, verb string, total int, terminal bool) *Progress {
	now := time.Now()
	return &Progress{w: w, verb: verb, total: total, terminal: terminal,
		start: now, lastDrawn: now, minTotal: 20, lineEvery: 5 * time.Second, barEvery: 100 * time.Millisecond, barWidth: 30}
}

func (p *Progress) now() time.Time {
	if p.nowForTest != nil {
		return p.nowForTest()
	}
	return time.Now()
}

func (p *Progress) done(ok bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if !ok {
		p.errs++
	}
	if p.total < p.minTotal {
		return
	}
	now := p.now()
	every := p.lineEvery
	if p.terminal {
		every = p.barEvery
	}
	if now.Sub(p.lastDrawn) >= every || (p.terminal && p.n == p.total) {
		p.lastDrawn = now
		p.draw(now)
	}
}

func (p *Progress) draw(now time.Time) {
	elapsed := now.Sub(p.start).Round(100 * time.Millisecond)
	if p.terminal {
		filled := p.barWidth * p.n / p.total
		bar := strings.Repeat("=", filled) + strings.Repeat(" ", p.barWidth-filled)
		fmt.Fprintf(p.w, "\r%s [%s] %d/%d zones  %d errors  %s ", p.verb, bar, p.n, p.total, p.errs, elapsed)
		p.everDrawn = true
		return
	}
	fmt.Fprintf(p.w, "%s: %d/%d zones, %d errors, %s\n", p.verb, p.n, p.total, p.errs, elapsed)
}

func (p *Progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.everDrawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
