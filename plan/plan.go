// Package plan compares the desired state with what a provider serves and
// describes the difference as a Plan: per zone, the create, update and delete of
// whole RRsets that would make the zone match, under mailzone's ownership rules.
//
// A Plan is a document for people first (see the renderers) and a contract for
// apply second: saved with -out, it carries a fingerprint of every RRset it read,
// so that apply can refuse to act on a zone that changed since the plan was made.
package plan

import (
	"github.com/mailzone/mailzone/flatten"
	"github.com/mailzone/mailzone/rollout"
	"github.com/mailzone/mailzone/rrset"
)

// FormatVersion is the version of the saved-plan JSON shape.
const FormatVersion = 1

// Plan is the difference between the configuration and the zones, zone by zone.
type Plan struct {
	// FormatVersion is the version of this JSON shape.
	FormatVersion int `json:"format_version"`
	// Config is the configuration file the plan was made from.
	Config string `json:"config"`
	// Zones are the zones planned, sorted by name.
	Zones []*Zone `json:"zones"`
	// Excluded are the domains left out of the plan because the checks that
	// need DNS found errors in them: a plan with exclusions is partial, and
	// says so first in every rendering.
	Excluded []Excluded `json:"excluded,omitempty"`
	// Rollouts say where each domain with a DMARC rollout stands: the
	// stage in force, the date of its next step, or why it is held.
	Rollouts []rollout.Status `json:"rollouts,omitempty"`
	// Flattened are the domains whose SPF includes were flattened: each
	// include and the netblocks it authorizes now.
	Flattened []*flatten.Result `json:"flattened,omitempty"`
}

// Excluded is a domain the plan leaves out, with the reasons.
type Excluded struct {
	Domain  string   `json:"domain"`
	Reasons []string `json:"reasons"`
}

// Partial reports whether the plan does not cover the whole configuration it
// was made for: domains were excluded or zones could not be read.
func (p *Plan) Partial() bool { return len(p.Excluded) > 0 || len(p.Errors()) > 0 }

// Zone is the plan for one zone at one provider.
type Zone struct {
	Zone     string `json:"zone"`
	Provider string `json:"provider"`
	// Domains are the configured domains whose records live in this zone.
	Domains []string `json:"domains"`
	// Changes are the writes to make, in configuration order; see [Zone.Ordered]
	// for the order apply uses.
	Changes []Change `json:"changes"`
	// Unmanaged lists records mailzone saw but does not own and will not touch
	// that users usually want to know about (undeclared DKIM selectors).
	Unmanaged []Unmanaged `json:"unmanaged,omitempty"`
	// Read holds a fingerprint of every RRset the plan read.
	Read []Fingerprint `json:"read"`
	// Unlisted is set when the provider reads only the names mailzone owns
	// (manual): records elsewhere in the zone, such as DKIM selectors the
	// configuration does not declare, are unknown, not absent.
	Unlisted bool `json:"unlisted,omitempty"`
	// Error is set when the zone could not be read; it then has no changes.
	Error string `json:"error,omitempty"`
	// Existing counts the owned record sets the zone already held (records
	// the configuration declares, with owned values present): the base of
	// apply's mass-change threshold.
	Existing int `json:"existing,omitempty"`
	// ReadVia says how the zone was read when the provider's nameservers were
	// asked first: ReadDNS when they proved it unchanged (the zone was not
	// listed, so undeclared DKIM selectors are not in Unmanaged), ReadAPI
	// when it was listed through the API after all. Empty for providers
	// read only one way.
	ReadVia string `json:"read_via,omitempty"`
	// ReadNote says why a zone with ReadVia ReadAPI could not be read
	// through DNS alone.
	ReadNote string `json:"read_note,omitempty"`
}

// How a zone was read; see [Zone.ReadVia].
const (
	ReadDNS = "dns"
	ReadAPI = "api"
)

// ReadDNSNote is what plans say once about the zones read through DNS.
const ReadDNSNote = "were read from their provider's nameservers and found unchanged, without listing them through the API: DKIM selectors they do not declare are not shown (--read api lists them)"

// ReadThroughDNS counts the zones read through DNS alone, and the zones
// listed through the API after their nameservers were asked.
func (p *Plan) ReadThroughDNS() (dns, api int) {
	for _, z := range p.Zones {
		switch z.ReadVia {
		case ReadDNS:
			dns++
		case ReadAPI:
			api++
		}
	}
	return dns, api
}

// UnlistedNote is what plans say about a zone read name by name.
const UnlistedNote = "unknown: DKIM selectors the configuration does not declare (the zone is read name by name from its nameservers, not listed)"

// MassChange counts the plan's updates and deletes, and the owned record sets
// that already existed: apply refuses a plan that changes too large a share
// of what exists (see the safety threshold).
func (p *Plan) MassChange() (changed, existing int) {
	for _, z := range p.Zones {
		existing += z.Existing
		for _, c := range z.Changes {
			if c.Action == rrset.Update || c.Action == rrset.Delete {
				changed++
			}
		}
	}
	return changed, existing
}

// Change is one write: the RRset mailzone owns at one name and type goes from
// Old to New; Keep are the records beside it that stay untouched.
type Change struct {
	// Domain is the configured domain the record belongs to.
	Domain string `json:"domain"`
	// Field is the configuration field behind the record ("spf", "dkim.s1").
	Field string `json:"field"`
	// Action is create, update or delete.
	Action rrset.Kind `json:"action"`
	// SharedTTL is set when the provider holds one TTL per RRset and the new
	// TTL also applies to the records beside the owned ones (Keep).
	SharedTTL bool `json:"shared_ttl,omitempty"`
	rrset.Edit
}

// Unmanaged is a record set mailzone reports but leaves alone.
type Unmanaged struct {
	Domain string `json:"domain"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Why    string `json:"why"`
}

// Fingerprint identifies what one RRset held when it was read.
type Fingerprint struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Hash string `json:"hash"`
}

// Counts are the numbers of changes by action.
type Counts struct {
	Add, Change, Delete int
}

// Plus adds the counts of o.
func (c Counts) Plus(o Counts) Counts {
	return Counts{c.Add + o.Add, c.Change + o.Change, c.Delete + o.Delete}
}

// Total is the number of changes.
func (c Counts) Total() int { return c.Add + c.Change + c.Delete }

// Counts tallies the plan's changes.
func (p *Plan) Counts() Counts {
	var c Counts
	for _, z := range p.Zones {
		c = add(c, z.Counts())
	}
	return c
}

// Counts tallies the zone's changes.
func (z *Zone) Counts() Counts {
	var c Counts
	for _, ch := range z.Changes {
		switch ch.Action {
		case rrset.Create:
			c.Add++
		case rrset.Update:
			c.Change++
		case rrset.Delete:
			c.Delete++
		}
	}
	return c
}

func add(a, b Counts) Counts {
	return Counts{a.Add + b.Add, a.Change + b.Change, a.Delete + b.Delete}
}

// Errors returns the zones that could not be read.
func (p *Plan) Errors() []*Zone {
	var out []*Zone
	for _, z := range p.Zones {
		if z.Error != "" {
			out = append(out, z)
		}
	}
	return out
}

// Covers reports the domains the plan's zones hold.
func (p *Plan) Covers() map[string]bool {
	in := map[string]bool{}
	for _, z := range p.Zones {
		for _, d := range z.Domains {
			in[d] = true
		}
	}
	return in
}
