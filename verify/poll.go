package verify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// Verify checks that every address of every authoritative nameserver of zone
// serves records exactly, polling with backoff until all agree or o.Timeout.
//
// Every address is polled by its own goroutine, and each round sends the
// queries for all of that address's unconverged records at once, so all
// addresses and records are in flight together and a dead server does not slow
// the others. A cell, once ok, is not asked again. Between rounds an address
// pauses o.InitialBackoff, doubling up to o.MaxBackoff.
//
// Not agreeing in time is not an error: the Result says so (Verified false). The
// error is for failures to start (no resolver, no nameserver found) and for ctx
// ending early, in which case the Result so far is returned with it.
func Verify(ctx context.Context, zone string, records []Record, o Options) (*Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	zone = rrset.Absolute(zone, ".")
	servers, err := discover(ctx, zone, o)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", zone, err)
	}
	start := time.Now()
	res := &Result{Zone: zone, Records: records, Started: start}
	for _, s := range servers {
		if len(s.Addrs) == 0 {
			row := Row{Nameserver: s.Name, Cells: make([]Cell, len(records))}
			for i := range row.Cells {
				row.Cells[i] = Cell{State: StateError, Err: s.Err}
			}
			res.Rows = append(res.Rows, row)
			continue
		}
		for _, a := range s.Addrs {
			res.Rows = append(res.Rows, Row{Nameserver: s.Name, Addr: a, Cells: make([]Cell, len(records))})
		}
	}

	pctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	type update struct {
		row   int
		cells []Cell
	}
	updates := make(chan update)
	var wg sync.WaitGroup
	for i := range res.Rows {
		if res.Rows[i].Addr == "" {
			continue
		}
		wg.Go(func() {
			p := &poller{o: o, addr: res.Rows[i].Addr, records: records, start: start,
				cells: make([]Cell, len(records))}
			p.run(pctx, func(cells []Cell) { updates <- update{i, cells} })
		})
	}
	go func() { wg.Wait(); close(updates) }()

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	report := func() {
		if o.Progress != nil {
			o.Progress(res.progress(time.Since(start)))
		}
	}
	report()
loop:
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				break loop
			}
			res.Rows[u.row].Cells = u.cells
			report()
		case <-tick.C:
			report()
		}
	}
	res.Elapsed = time.Since(start)
	res.finish()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("verify %s: %w", zone, err)
	}
	return res, nil
}

// poller polls one address for every record.
type poller struct {
	o       Options
	addr    string
	records []Record
	start   time.Time
	cells   []Cell // owned by run; copies are sent out
}

// run polls until every cell is ok, the address is skipped, or ctx ends, and
// sends a copy of the cells after every round.
func (p *poller) run(ctx context.Context, send func([]Cell)) {
	backoff := p.o.InitialBackoff
	for {
		var pending []int
		for i, c := range p.cells {
			if c.State != StateOK {
				pending = append(pending, i)
			}
		}
		if len(pending) == 0 {
			return
		}
		verdicts := make([]verdict, len(p.records))
		if p.o.Sequential {
			for _, i := range pending {
				verdicts[i] = p.ask(ctx, p.records[i])
			}
		} else {
			var wg sync.WaitGroup
			for _, i := range pending {
				wg.Go(func() { verdicts[i] = p.ask(ctx, p.records[i]) })
			}
			wg.Wait()
		}
		if deadline, ok := ctx.Deadline(); ctx.Err() != nil || ok && !time.Now().Before(deadline) {
			// The deadline cut this round short: keep what earlier rounds saw,
			// and give cells never answered the reason.
			changed := false
			for _, i := range pending {
				if p.cells[i].State == StatePending {
					p.cells[i] = Cell{State: StateError, Err: "no answer before the deadline"}
					changed = true
				}
			}
			if changed {
				send(p.snapshot())
			}
			return
		}
		now := time.Since(p.start)
		skipped := false
		for _, i := range pending {
			v := verdicts[i]
			c := Cell{State: v.state, Served: v.served, Err: v.err, Checked: now}
			if v.netErr && p.cells[i].State == StateStale {
				// A lost packet does not hide what the address served last.
				c.State, c.Served = StateStale, p.cells[i].Served
			}
			if v.state == StateOK {
				c.Converged = now
			}
			if v.state == StateSkipped {
				skipped = true
			}
			p.cells[i] = c
		}
		if skipped {
			for i := range p.cells {
				p.cells[i] = Cell{State: StateSkipped, Err: "no IPv6 route", Checked: now}
			}
			send(p.snapshot())
			return
		}
		send(p.snapshot())
		if p.allOK() || p.o.Once {
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, p.o.MaxBackoff)
	}
}

func (p *poller) allOK() bool {
	for _, c := range p.cells {
		if c.State != StateOK {
			return false
		}
	}
	return true
}

func (p *poller) snapshot() []Cell { return append([]Cell(nil), p.cells...) }

// ask queries the address for one record and judges the answer.
func (p *poller) ask(ctx context.Context, rec Record) verdict {
	qtype, ok := dns.StringToType[rec.Set.Type]
	if !ok {
		return verdict{state: StateError, err: "unknown type " + rec.Set.Type}
	}
	r, err := askAuth(ctx, p.o, p.addr, rec.Set.Name, qtype)
	switch {
	case errors.Is(err, errNoRoute):
		return verdict{state: StateSkipped, err: "no IPv6 route"}
	case err != nil:
		return verdict{state: StateError, err: err.Error(), netErr: true}
	}
	return judge(rec, r)
}
