package session

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/mailzone/mailzone/fleet"

	"github.com/mailzone/mailzone/apply"
	"github.com/mailzone/mailzone/instructions"
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// ApplyOptions are apply's options.
type ApplyOptions struct {
	Fleet
	Verifying
	// Plans are the saved plan files to apply: none plans now, at most one.
	Plans []string
	// Yes applies without asking.
	Yes bool
	// NoVerify skips checking the nameservers after writing.
	NoVerify bool
	// Full shows long values (DKIM keys) whole.
	Full bool
	// AllowMassChange applies past defaults.safety.max_change_percent.
	AllowMassChange bool
	// Instructions also writes the instructions for zones changed by hand
	// to this file, as markdown.
	Instructions string
	// NoWait does not wait for zones changed by hand to be served.
	NoWait bool
	// Format is text or json.
	Format string
}

// Apply writes the changes (asking first, unless Yes or a saved plan), then
// verifies them on every nameserver.
func (r *Session) Apply(o ApplyOptions) (code int) {
	f, vf, pos := o.Fleet, o.Verifying, o.Plans
	doc := apply.NewDoc(JSONVersion)
	if o.Format == "json" {
		emit := r.jsonMode()
		r.verified = &doc.Verify
		defer func() {
			doc.ExitCode, doc.Interrupted = code, r.stop.Stopped()
			emit(doc)
		}()
	}
	if len(pos) > 1 {
		return r.UsageError("apply", fmt.Errorf("give at most one plan file, not %d", len(pos)))
	}
	ctx := r.stop.Hard()
	var p *plan.Plan
	var opened map[string]providers.Provider
	var cfg *schema.Config
	// fresh is set when the plan was made by this run without a pause for
	// confirmation, so re-reading the zones to detect a stale plan adds nothing.
	fresh := false
	if len(pos) == 1 {
		saved, err := plan.Read(pos[0])
		if err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if len(f.Domains) > 0 {
			return r.UsageError("apply", fmt.Errorf("-d cannot narrow a saved plan; make a plan with -d instead"))
		}
		if f.Config == "" && saved.Config != "" {
			f.Config = saved.Config
		}
		r.evidence = f.Evidence
		cfg = r.load(f.Config)
		if cfg == nil {
			return ExitError
		}
		ts := []*fleet.Target{}
		for _, z := range saved.Zones {
			if cfg.Provider(z.Provider) == nil {
				r.errorf("the plan uses provider %q, which %s does not declare; nothing was changed", z.Provider, cfg.File)
				return ExitError
			}
			ts = append(ts, &fleet.Target{Zone: z.Zone, Provider: z.Provider})
		}
		share, err := f.share()
		if err != nil {
			return r.UsageError("apply", err)
		}
		var ok bool
		if opened, ok = r.openProviders(cfg, ts, share, fleet.ZoneDNS(cfg, f.Resolver, vf.Nameservers)); !ok {
			fmt.Fprintln(r.Env.Stderr, "mailzone: nothing was changed")
			return ExitError
		}
		fleet.Prepare(ctx, ts, opened)
		p = saved
	} else {
		f.Nameservers = vf.Nameservers
		c, ts, op, ok := r.prepare(f)
		if !ok {
			return ExitError
		}
		cfg, opened = c, op
		p = fleet.Read(ctx, cfg, ts, r.reading(f, cfg, opened, len(ts)))
		if r.stop.Stopped() {
			fmt.Fprintln(r.Env.Stderr, "mailzone: stopped while planning; nothing was written")
			return r.stop.ExitCode()
		}
		p.Excluded = r.excluded
		p.Rollouts = r.rolloutsOf(p)
		p.Flattened = r.flattenedOf(p)
		r.stepSummary(p, cfg)
		plan.Text(r.Env.Stdout, p, plan.TextOptions{Color: r.Env.Color(), Full: o.Full})
		if len(p.Errors()) > 0 {
			for _, z := range p.Errors() {
				r.errorf("zone %s (provider %s): %s", z.Zone, z.Provider, z.Error)
			}
			fmt.Fprintln(r.Env.Stderr, "mailzone: some zones could not be read; nothing was changed")
			return ExitError
		}
		if p.Counts().Total() == 0 {
			return r.excludedExit(p, ExitOK)
		}
		fresh = o.Yes
		if !o.Yes {
			if !r.Env.StdinTerminal || r.Env.Actions() {
				r.errorf("apply needs confirmation: run it on a terminal, pass --yes, or apply a saved plan file (plan -out FILE); nothing was changed")
				return ExitError
			}
			fmt.Fprintf(r.Env.Stdout, "\nApply these changes? Only 'yes' will be accepted: ")
			line, _ := bufio.NewReader(r.Env.Stdin).ReadString('\n')
			if strings.TrimSpace(line) != "yes" {
				fmt.Fprintln(r.Env.Stdout, "Apply cancelled; nothing was changed.")
				return ExitError
			}
		}
	}
	if len(pos) == 1 && len(p.Excluded) > 0 {
		// A saved plan with exclusions: say again what it left out.
		plan.TextExcluded(r.Env.Stdout, p, r.Env.Color())
	}
	if p.Counts().Total() == 0 {
		fmt.Fprintln(r.Env.Stdout, "No changes to apply.")
		return r.excludedExit(p, ExitOK)
	}
	af := apply.Fleet{Providers: opened, Parallel: f.Parallel, Progress: r.newProgress, Stopped: r.stop.Stopped}
	// A one-line profile edit must not rewrite the whole fleet unnoticed.
	if err := apply.MassChange(p, cfg.Defaults.MaxChangePercent, massChangeFloor); err != nil && !o.AllowMassChange {
		r.errorf("%v", err)
		return ExitError
	}
	// Before any write, check every zone still holds what the plan read: a
	// stale plan is refused as a whole, so nothing is half-applied.
	checked := af.Check(ctx, p, fresh)
	for _, m := range checked.Stale {
		r.errorf("%s", m)
	}
	if len(checked.Stale) > 0 {
		fmt.Fprintln(r.Env.Stderr, "mailzone: the plan is stale; nothing was changed. Make a new plan and review it.")
		return ExitError
	}
	// Zones the plan was already applied to are skipped, and said so.
	for _, z := range checked.InEffect {
		fmt.Fprintf(r.Env.Stdout, "zone %s: already in effect (the plan was applied before); nothing to write\n", z.Zone)
		doc.InEffect(z)
	}
	if len(checked.InEffect) > 0 && len(checked.Pending) == 0 {
		fmt.Fprintln(r.Env.Stdout, "The plan is already in effect: every zone holds what it asks for. Nothing was written.")
		return r.excludedExit(p, ExitOK)
	}
	work := checked.Pending
	if r.stop.Stopped() {
		fmt.Fprintln(r.Env.Stderr, "mailzone: stopped before writing; nothing was written")
		return r.stop.ExitCode()
	}
	// Zones someone else edits (manual providers) are not written: their
	// changes become instructions, and apply waits for them with the rest.
	writable, manual := af.Manual(work)
	for _, z := range manual {
		doc.Manual(z)
	}
	if len(manual) > 0 && !r.instructions(manual, o.Instructions) {
		return ExitError
	}
	results := af.Write(ctx, writable)
	if len(p.Excluded) > 0 {
		doc.Excluded = p.Excluded
	}
	for i, z := range writable {
		doc.Wrote(z, results[i])
	}
	failed := false
	var notStarted []string
	for i, res := range results {
		if res.Zone == nil {
			notStarted = append(notStarted, writable[i].Zone)
			continue
		}
		apply.WriteResult(r.Env.Stdout, r.Env.Stderr, res)
		if res.Err != nil {
			failed = true
		}
	}
	if r.stop.Stopped() {
		apply.WriteInterrupted(r.Env.Stdout, results, notStarted)
		return r.stop.ExitCode()
	}
	if failed {
		fmt.Fprintln(r.Env.Stderr, "mailzone: some changes were not written. Run mailzone plan to see exactly what is left.")
		return ExitError
	}
	var c plan.Counts
	for _, z := range writable {
		c = c.Plus(z.Counts())
	}
	if len(writable) > 0 {
		fmt.Fprintf(r.Env.Stdout, "\nApply complete: %d added, %d changed, %d deleted.\n", c.Add, c.Change, c.Delete)
	}
	if len(manual) > 0 {
		fmt.Fprintf(r.Env.Stdout, "\n%d zone(s) are changed by hand at their own DNS host: nothing was written to them. Give the instructions above to their DNS admin.\n", len(manual))
	}
	if o.NoVerify {
		fmt.Fprintln(r.Env.Stdout, "Not verified (--no-verify): run mailzone verify to check every nameserver.")
		return r.excludedExit(p, ExitOK)
	}
	if o.NoWait && len(manual) > 0 {
		fmt.Fprintln(r.Env.Stdout, "Not waiting for them (--no-wait): run mailzone verify once the DNS admin has made the changes.")
		work = writable
	}
	live, staged := fleet.Live(fleet.ChecksFromPlan(cfg, work), work, opened, vf.Nameservers)
	switch {
	case len(staged) == 1:
		fmt.Fprintf(r.Env.Stdout, "Zone %s was written to its zone file and is not verified: it is live once a nameserver loads it (then run mailzone verify, or set verify.nameservers).\n", staged[0])
	case len(staged) > 1:
		fmt.Fprintf(r.Env.Stdout, "%d zones were written to zone files and are not verified: they are live once a nameserver loads them (then run mailzone verify, or set verify.nameservers).\n", len(staged))
	}
	if len(live) == 0 {
		return r.excludedExit(p, ExitOK)
	}
	verified, _ := r.verifyAll(cfg, live, vf, f.Resolver, f.Parallel, false)
	if r.stop.Stopped() {
		return r.stop.ExitCode()
	}
	if verified {
		r.newKeysReady(cfg, work, vf, f.Resolver)
	}
	if !verified && len(manual) > 0 && !o.NoWait {
		fmt.Fprintln(r.Env.Stderr, "mailzone: not every change is served yet (exit 3): the records above are still missing or stale where named. Once the DNS admin has made the changes, run mailzone verify (or apply again) to check.")
		return r.excludedExit(p, ExitUnverified)
	}
	if !verified {
		fmt.Fprintln(r.Env.Stderr, "mailzone: the changes were written, but not every nameserver serves them yet (exit 3). Run mailzone verify to check again.")
		return r.excludedExit(p, ExitUnverified)
	}
	return r.excludedExit(p, ExitOK)
}

// instructions prints the changes of zones edited by hand, and writes them
// as markdown to file when one is given.
func (r *Session) instructions(zones []*plan.Zone, file string) bool {
	fmt.Fprintln(r.Env.Stdout)
	if err := instructions.Text(r.Env.Stdout, zones); err != nil {
		r.errorf("%v", err)
		return false
	}
	if file == "" {
		return true
	}
	var b strings.Builder
	if err := instructions.Markdown(&b, zones); err != nil {
		r.errorf("%v", err)
		return false
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		r.errorf("instructions: %v", err)
		return false
	}
	fmt.Fprintf(r.Env.Stdout, "\nThe instructions are also in %s (markdown).\n", file)
	return true
}

// massChangeFloor: the safety threshold counts only when more record sets
// than this would be updated or deleted.
const massChangeFloor = 10
