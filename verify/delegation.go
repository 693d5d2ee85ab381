package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// DelegationStatus classifies how the parent zone delegates a zone.
type DelegationStatus string

// The delegation statuses.
const (
	// Delegated: the parent lists the same NS set the zone publishes.
	Delegated DelegationStatus = "delegated"
	// DelegatedDiffering: the parent lists an NS set other than the zone's own.
	DelegatedDiffering DelegationStatus = "delegated, differing"
	// NotDelegated: the parent lists no nameservers for the zone, the usual state
	// of a new customer domain until the registrar is updated.
	NotDelegated DelegationStatus = "not delegated"
	// DelegationUnknown: the parent could not be asked; Err says why.
	DelegationUnknown DelegationStatus = "unknown"
)

// Delegation compares the NS set the parent zone publishes for a zone with the
// zone's own NS set and the provider's assigned nameservers.
type Delegation struct {
	// Zone is the zone, and Parent the zone that delegates it ("com."), absolute.
	Zone, Parent string
	// ParentServer is the parent nameserver address that was asked.
	ParentServer string
	// ParentNS are the NS names the parent's referral lists, sorted.
	ParentNS []string
	// ZoneNS are the NS names the zone's own servers publish at its apex, sorted.
	ZoneNS []string
	// ZoneServer is the zone nameserver address that answered for ZoneNS.
	ZoneServer string
	// ProviderNS are the nameservers the provider assigned (Options.ProviderNameservers).
	ProviderNS []string
	// Status classifies ParentNS against ZoneNS.
	Status DelegationStatus
	// Err says why the parent or the zone's NS set could not be read.
	Err string
}

// CheckDelegation finds the parent zone through o.Resolver, asks one of its
// nameservers directly (RD=0) for the zone's NS set and reads the referral, and
// asks the zone's own nameservers (o.Nameservers, or discovered) for the NS set
// at the apex. Failures to learn either side are reported in the Delegation (Err,
// DelegationUnknown); the error is only for bad options.
func CheckDelegation(ctx context.Context, zone string, o Options) (*Delegation, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("delegation: %w", err)
	}
	zone = rrset.Absolute(zone, ".")
	d := &Delegation{Zone: zone, Status: DelegationUnknown}
	for _, n := range o.ProviderNameservers {
		d.ProviderNS = append(d.ProviderNS, rrset.Absolute(n, "."))
	}
	slices.Sort(d.ProviderNS)
	d.ProviderNS = slices.Compact(d.ProviderNS)

	parentErr := d.readParent(ctx, o)
	zoneErr := d.readZone(ctx, o)
	var errs []string
	for _, e := range []error{parentErr, zoneErr} {
		if e != nil {
			errs = append(errs, e.Error())
		}
	}
	d.Err = strings.Join(errs, "; ")
	if parentErr == nil {
		switch {
		case len(d.ParentNS) == 0:
			d.Status = NotDelegated
		case len(d.ZoneNS) == 0 || slices.Equal(d.ParentNS, d.ZoneNS):
			d.Status = Delegated
		default:
			d.Status = DelegatedDiffering
		}
	}
	return d, nil
}

// readParent finds the parent zone and asks its servers for the zone's NS set.
func (d *Delegation) readParent(ctx context.Context, o Options) error {
	if o.Resolver == "" {
		return fmt.Errorf("parent zone: no resolver configured")
	}
	var parentNS []string
	for p := parentOf(d.Zone); ; p = parentOf(p) {
		names, err := lookupNS(ctx, o, p)
		if err == nil {
			d.Parent, parentNS = p, names
			break
		}
		if p == "." {
			return fmt.Errorf("parent zone of %s: %w", d.Zone, err)
		}
	}
	var lastErr error
	for _, ns := range resolveAll(ctx, o, parentNS) {
		for _, addr := range ns.Addrs {
			r, err := askAuth(ctx, o, addr, d.Zone, dns.TypeNS)
			if err == nil {
				if e := rcodeError(r); e != "" {
					err = fmt.Errorf("%s", e)
				}
			}
			if err != nil {
				lastErr = fmt.Errorf("parent zone %s: NS %s at %s: %w", d.Parent, d.Zone, addr, err)
				continue
			}
			d.ParentServer = addr
			// A referral carries the NS set in the authority section; a server
			// that is authoritative for both zones answers it directly.
			d.ParentNS = nsNames(d.Zone, r.Answer, r.Ns)
			return nil
		}
		if len(ns.Addrs) == 0 && lastErr == nil {
			lastErr = fmt.Errorf("parent zone %s: %s", d.Parent, ns.Err)
		}
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("parent zone %s: no nameserver", d.Parent)
	}
	return lastErr
}

// readZone asks the zone's own servers for the NS set at the apex.
func (d *Delegation) readZone(ctx context.Context, o Options) error {
	servers, err := discover(ctx, d.Zone, o)
	if err != nil && len(d.ParentNS) > 0 {
		// Not resolvable yet, but the parent names servers to ask.
		o.ProviderNameservers = d.ParentNS
		servers, err = discover(ctx, d.Zone, o)
	}
	if err != nil {
		return fmt.Errorf("zone's own NS set: %w", err)
	}
	var lastErr error
	for _, s := range servers {
		for _, addr := range s.Addrs {
			r, err := askAuth(ctx, o, addr, d.Zone, dns.TypeNS)
			if err == nil {
				if e := rcodeError(r); e != "" {
					err = fmt.Errorf("%s", e)
				} else if !r.Authoritative {
					err = fmt.Errorf("lame: answer without AA")
				}
			}
			if err != nil {
				lastErr = fmt.Errorf("zone's own NS set: NS %s at %s: %w", d.Zone, addr, err)
				continue
			}
			d.ZoneServer = addr
			d.ZoneNS = nsNames(d.Zone, r.Answer)
			return nil
		}
	}
	return lastErr
}

// nsNames collects the targets of the NS records owned by zone, sorted.
func nsNames(zone string, sections ...[]dns.RR) []string {
	var out []string
	for _, sec := range sections {
		for _, rr := range sec {
			if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, zone) {
				out = append(out, rrset.Absolute(ns.Ns, "."))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// parentOf returns the name one label up: "com." for "example.com.", "." for "com.".
func parentOf(name string) string {
	if name == "." {
		return "."
	}
	_, rest, ok := strings.Cut(name, ".")
	if !ok || rest == "" {
		return "."
	}
	return rest
}

// ProviderMatches reports whether the parent delegates to exactly the provider's
// assigned nameservers; false when no provider nameservers are known.
func (d *Delegation) ProviderMatches() bool {
	return len(d.ProviderNS) > 0 && slices.Equal(d.ProviderNS, d.ParentNS)
}

// String says how the zone is delegated, in sentences.
func (d *Delegation) String() string {
	zone, parent := strings.TrimSuffix(d.Zone, "."), d.Parent
	list := func(names []string) string {
		if len(names) == 0 {
			return "none"
		}
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = strings.TrimSuffix(n, ".")
		}
		return strings.Join(out, ", ")
	}
	var lines []string
	switch d.Status {
	case Delegated:
		if len(d.ZoneNS) == 0 {
			lines = append(lines, fmt.Sprintf("delegated: the parent zone %s lists %s for %s (the zone's own NS set could not be read)", parent, list(d.ParentNS), zone))
		} else {
			lines = append(lines, fmt.Sprintf("delegated and matching: the parent zone %s and %s itself both list %s", parent, zone, list(d.ParentNS)))
		}
	case DelegatedDiffering:
		lines = append(lines, fmt.Sprintf("delegated but differing: the parent zone %s lists %s; %s itself lists %s", parent, list(d.ParentNS), zone, list(d.ZoneNS)))
	case NotDelegated:
		lines = append(lines, fmt.Sprintf("published but not yet delegated: the parent zone %s does not list nameservers for %s; this is normal for a new customer domain until the registrar is updated", parent, zone))
	default:
		lines = append(lines, fmt.Sprintf("delegation of %s unknown: %s", zone, d.Err))
	}
	if len(d.ProviderNS) > 0 {
		switch {
		case d.ProviderMatches():
			lines = append(lines, fmt.Sprintf("the parent delegates to the provider's assigned nameservers (%s)", list(d.ProviderNS)))
		case d.Status == NotDelegated:
			lines = append(lines, fmt.Sprintf("set these nameservers at the registrar, as the provider assigned them: %s", list(d.ProviderNS)))
		case d.Status != DelegationUnknown:
			lines = append(lines, fmt.Sprintf("the provider assigned %s, but the parent delegates to %s: update the registrar", list(d.ProviderNS), list(d.ParentNS)))
		}
		if len(d.ZoneNS) > 0 && !slices.Equal(d.ZoneNS, d.ProviderNS) {
			lines = append(lines, fmt.Sprintf("the zone's own NS set (%s) differs from the provider's assigned nameservers (%s)", list(d.ZoneNS), list(d.ProviderNS)))
		}
	}
	if d.Err != "" && d.Status != DelegationUnknown {
		lines = append(lines, "note: "+d.Err)
	}
	return strings.Join(lines, "\n")
}
