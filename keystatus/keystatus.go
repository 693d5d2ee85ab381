// Package keystatus finds where each DKIM selector of the configured
// domains stands, as observed: it asks every authoritative nameserver once,
// follows delegated selectors to the key their CNAME names, remembers when a
// key was first served everywhere (ServedFile, beside the configuration), and
// lets package lifecycle decide the state. dkim status, ready, retire, export
// and apply's "safe to sign" line all read it here.
package keystatus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/lifecycle"
	"github.com/mailzone/mailzone/lint"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// Status is where one selector stands, in the documented JSON shape of
// `dkim status --format json`.
type Status struct {
	Domain      string   `json:"domain"`
	Selector    string   `json:"selector"`
	Kind        string   `json:"kind"`
	Algorithm   string   `json:"algorithm,omitempty"`
	Bits        int      `json:"bits,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Created     string   `json:"created,omitempty"`
	AgeDays     *int     `json:"age_days"`
	RotationDue bool     `json:"rotation_due"`
	Served      bool     `json:"served"`
	State       string   `json:"state"`
	ReadyAt     string   `json:"ready_at,omitempty"`
	Reasons     []string `json:"reasons"`

	// KeyFile is the key_file as configured, for export.
	KeyFile string `json:"-"`
}

// ServedFile keeps when mailzone first saw each key served by every
// authoritative address, beside the configuration, so `dkim ready` can tell
// when the negative-caching time has passed. It holds no secret.
const ServedFile = ".mailzone/dkim-served.json"

type servedEntry struct {
	Fingerprint string    `json:"fingerprint"`
	FirstServed time.Time `json:"first_served"`
}

func loadServed(dir string) map[string]servedEntry {
	m := map[string]servedEntry{}
	data, err := schema.ReadFile(filepath.Join(dir, ServedFile))
	if err == nil {
		json.Unmarshal(data, &m)
	}
	return m
}

func saveServed(dir string, m map[string]servedEntry) error {
	path := filepath.Join(dir, ServedFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return configedit.WriteAtomic(path, append(data, '\n'))
}

// fingerprint is the SHA-256 of a public key's DER, hex.
func fingerprint(der []byte) string {
	if len(der) == 0 {
		return ""
	}
	h := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Options say where and when Gather looks.
type Options struct {
	// Verify returns the options to ask a domain's nameservers with.
	Verify func(d *schema.Domain) verify.Options
	// Resolver follows delegated selectors (CNAME) to their keys.
	Resolver lint.Resolver
	// Now is the time states are decided at.
	Now time.Time
	// Dir is the configuration's directory, where ServedFile lives.
	Dir string
}

// Gather asks the authoritative nameservers, once, about every selector of
// the domains and decides each one's state. The first time a key is seen
// served everywhere is recorded in ServedFile; an error writing it is
// returned with the statuses, which are complete.
func Gather(ctx context.Context, ds []*schema.Domain, opt Options) ([]Status, error) {
	res := opt.Resolver
	served := loadServed(opt.Dir)
	changed := false
	now := opt.Now
	var out []Status
	for _, d := range ds {
		if d.Parked || len(d.DKIM) == 0 {
			continue
		}
		o := opt.Verify(d)
		o.Once, o.Timeout = true, 30*time.Second
		var recs []verify.Record
		var idx []int // recs index of each selector, -1 when none
		for _, s := range d.DKIM {
			name := s.Name + "._domainkey." + d.Name + "."
			switch s.Kind {
			case schema.KeySelector, schema.RevokedSelector:
				idx = append(idx, len(recs))
				recs = append(recs, verify.Record{Field: "dkim." + s.Name, Set: rrset.New(".", name, "TXT", d.TTL, s.Text)})
			case schema.CNAMESelector:
				idx = append(idx, len(recs))
				recs = append(recs, verify.Record{Field: "dkim." + s.Name, Set: rrset.New(".", name, "CNAME", d.TTL, s.Target)})
			default:
				idx = append(idx, -1)
			}
		}
		result, verr := verify.Verify(ctx, d.Zone, recs, o)
		negTTL, nerr := verify.NegativeTTL(ctx, d.Zone, o)
		var sels []lifecycle.Selector
		var rows []Status
		for i, s := range d.DKIM {
			if idx[i] < 0 {
				continue
			}
			ks := Status{Domain: d.Name, Selector: s.Name, Algorithm: s.Algorithm, Bits: s.Bits, Fingerprint: fingerprint(s.Public), KeyFile: s.KeyFile}
			ls := lifecycle.Selector{Name: s.Name, Algorithm: s.Algorithm, Created: s.Created, Order: i}
			switch s.Kind {
			case schema.KeySelector:
				ks.Kind, ls.Kind = "key", "key"
			case schema.RevokedSelector:
				ks.Kind, ls.Kind = "revoked", "revoked"
			case schema.CNAMESelector:
				ks.Kind, ls.Kind = "cname", "cname"
				key, why := targetKey(ctx, res, s.Target)
				if why != "" {
					ls.Problems = append(ls.Problems, why)
				} else {
					ks.Algorithm, ks.Bits, ks.Fingerprint = key.Algorithm, key.Bits, fingerprint(key.Public)
					ls.Algorithm = key.Algorithm
				}
			}
			if !s.Created.IsZero() {
				ks.Created = s.Created.Format("2006-01-02")
			}
			switch {
			case verr != nil && result == nil:
				ls.Stale = append(ls.Stale, "not checked: "+verr.Error())
			default:
				ls.Served, ls.Stale = servedEverywhere(result, idx[i])
			}
			if nerr != nil && ls.Served {
				ls.Problems = append(ls.Problems, "the zone's SOA could not be read, so the negative-caching time is unknown: "+nerr.Error())
			}
			key := d.Name + "/" + s.Name
			id := ks.Fingerprint + "|" + ks.Kind + "|" + s.Target
			if e, ok := served[key]; ls.Served && ok && e.Fingerprint == id {
				ls.FirstServed = e.FirstServed
			} else if ls.Served && ls.Kind != "revoked" {
				served[key] = servedEntry{Fingerprint: id, FirstServed: now}
				ls.FirstServed, changed = now, true
			} else if !ls.Served && ok {
				delete(served, key)
				changed = true
			}
			ks.Served = ls.Served
			sels = append(sels, ls)
			rows = append(rows, ks)
		}
		for i, st := range lifecycle.Evaluate(sels, now, negTTL, d.DKIMPolicy.RotateEvery) {
			rows[i].State, rows[i].RotationDue, rows[i].Reasons = string(st.State), st.RotationDue, st.Reasons
			if rows[i].Reasons == nil {
				rows[i].Reasons = []string{}
			}
			if st.AgeDays >= 0 {
				a := st.AgeDays
				rows[i].AgeDays = &a
			}
			if !st.ReadyAt.IsZero() {
				rows[i].ReadyAt = st.ReadyAt.UTC().Format(time.RFC3339)
			}
		}
		out = append(out, rows...)
	}
	if changed {
		if err := saveServed(opt.Dir, served); err != nil {
			return out, fmt.Errorf("recording when keys were first served: %w", err)
		}
	}
	return out, nil
}

// servedEverywhere reads one record's column of a verification: served when
// every address that was asked (not skipped) answers ok.
func servedEverywhere(res *verify.Result, col int) (bool, []string) {
	ok, asked := true, 0
	var stale []string
	for _, row := range res.Rows {
		c := row.Cells[col]
		switch c.State {
		case verify.StateSkipped:
			continue
		case verify.StateOK:
			asked++
			continue
		}
		asked++
		ok = false
		what := c.Served
		if what == "" {
			what = c.Err
		}
		name := row.Nameserver
		if row.Addr != "" && row.Addr != row.Nameserver {
			name += " (" + row.Addr + ")"
		}
		if c.State == verify.StateStale {
			stale = append(stale, fmt.Sprintf("%s serves %s", name, what))
		} else {
			stale = append(stale, fmt.Sprintf("%s: %s", name, what))
		}
	}
	return ok && asked > 0, stale
}

// targetKey follows a delegated selector to the key its CNAME names.
func targetKey(ctx context.Context, res lint.Resolver, target string) (dkim.Key, string) {
	ans, err := res.Lookup(ctx, target, dns.TypeTXT)
	if err != nil {
		return dkim.Key{}, fmt.Sprintf("the CNAME target %s could not be looked up: %v", target, err)
	}
	txt := ans.TXT()
	if len(txt) == 0 {
		return dkim.Key{}, fmt.Sprintf("the CNAME target %s has no DKIM key (%s)", target, ans.Status)
	}
	rec, problems := dkim.ParseRecord(txt[0])
	for _, p := range problems {
		if p.Severity == dkim.Error {
			return dkim.Key{}, fmt.Sprintf("the key at the CNAME target %s does not parse: %s", target, p.Error())
		}
	}
	key, problems := rec.Key()
	for _, p := range problems {
		if p.Severity == dkim.Error {
			return dkim.Key{}, fmt.Sprintf("the key at the CNAME target %s is not usable: %s", target, p.Error())
		}
	}
	return key, ""
}

// WriteText renders the status as a table, reasons indented below.
func WriteText(w io.Writer, sts []Status) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DOMAIN\tSELECTOR\tKIND\tKEY\tCREATED\tAGE\tSERVED\tSTATE")
	for _, s := range sts {
		key := "-"
		if s.Algorithm != "" {
			key = fmt.Sprintf("%s %d", s.Algorithm, s.Bits)
		}
		created, age := "-", "-"
		if s.Created != "" {
			created = s.Created
		}
		if s.AgeDays != nil {
			age = fmt.Sprintf("%dd", *s.AgeDays)
		}
		servedText := "no"
		if s.Served {
			servedText = "everywhere"
		}
		state := s.State
		if s.RotationDue {
			state += ", rotation due"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", escape.Terminal(s.Domain), escape.Terminal(s.Selector), s.Kind, key, created, age, servedText, state)
	}
	tw.Flush()
	for _, s := range sts {
		for _, why := range s.Reasons {
			fmt.Fprintf(w, "  %s %s: %s\n", escape.Terminal(s.Domain), escape.Terminal(s.Selector), escape.Terminal(why))
		}
	}
	if len(sts) == 0 {
		fmt.Fprintln(w, "No DKIM selectors are declared.")
	}
}
