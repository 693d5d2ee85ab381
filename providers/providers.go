// Package providers is the boundary between mailzone and DNS providers: the small
// interface every provider adapter implements, and the registry that maps the `type`
// of a provider block in mailzone.yaml to the code that opens it.
//
// Adapters live in sub-packages (providers/zonefile, providers/cloudflare, ...) and
// register themselves from init. Each adapter reads the zone through its libdns
// package (or the provider's API where libdns falls short) and converts to
// [rrset.RRset] in one place, so provider quirks end at the adapter.
package providers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mailzone/mailzone/rrset"
)

// Provider reads and writes the records of zones at one provider account.
type Provider interface {
	// Records returns every RRset in zone (absolute name without or with the
	// trailing dot), normalized. It reads the zone once.
	Records(ctx context.Context, zone string) ([]rrset.RRset, error)
	// Apply writes edits to zone in the order given. It returns how many of the
	// edits, counted from the first, are known to be written; on error the rest
	// were not written, or their outcome is unknown, as the error says.
	// Providers whose API allows it write all edits of one call atomically.
	Apply(ctx context.Context, zone string, edits []rrset.Edit) (written int, err error)
}

// Preparer is implemented by providers that find many zones more cheaply
// together than one at a time (listing an account's zones by page instead of
// one lookup per zone). Callers pass every zone they are about to read; a
// provider may do nothing. Errors are not fatal: zones not found here are looked
// up one by one later, which reports any problem with the zone itself. A
// provider may go on in the background after Prepare returns, as long as its
// lookups of the zones passed wait for it.
type Preparer interface {
	Prepare(ctx context.Context, zones []string)
}

// Staged is implemented by providers whose writes are not live DNS until
// something else deploys them, such as zone files that a nameserver loads later.
// apply does not wait for the nameservers of such zones unless nameservers to
// ask are configured explicitly (verify.nameservers or --nameserver).
type Staged interface {
	Staged() bool
}

// NameserverLister is implemented by providers whose API says which
// nameservers it assigned to a zone (Cloudflare, Route53). verify compares
// them with the delegation the parent zone publishes.
type NameserverLister interface {
	Nameservers(ctx context.Context, zone string) ([]string, error)
}

// Served is implemented by providers whose own authoritative nameservers
// serve every record they hold (Cloudflare, Route 53). A plan reads the names
// mailzone owns from those nameservers first, at no API cost, and lists the
// zone through the API only where DNS cannot prove it unchanged.
type Served interface {
	// AssignedNameservers returns the names of the nameservers that serve
	// zone's records at this provider, whatever the delegation says. It may
	// cost a zone lookup, which reading the zone through the API needs anyway.
	AssignedNameservers(ctx context.Context, zone string) ([]string, error)
}

// NameReader is implemented by providers that cannot list a zone and read
// only the names asked for (manual: through the zone's authoritative
// nameservers). Their Records returns an error; planning and apply's stale
// check call RecordsAt with the names mailzone owns instead. Records at names
// not asked for (undeclared DKIM selectors) stay unknown, and plans say so.
type NameReader interface {
	RecordsAt(ctx context.Context, zone string, keys []rrset.Key) ([]rrset.RRset, error)
}

// Manual is implemented by providers whose zones someone else edits: apply
// writes nothing to them, renders the changes as instructions for the
// zone's DNS admin, and waits until the nameservers serve them.
type Manual interface {
	Manual() bool
}

// IsManual reports whether p is a manual provider.
func IsManual(p Provider) bool {
	m, ok := p.(Manual)
	return ok && m.Manual()
}

// ErrNoZone is wrapped by the errors of providers that can tell that a zone
// does not exist (a missing zone file), as opposed to failing to read it.
var ErrNoZone = errors.New("the zone does not exist")

// ZoneCreator is implemented by providers that can create an empty zone
// (zone files). onboard --create-zone uses it, before writing anything else;
// the returned undo removes the zone again if a later step fails.
type ZoneCreator interface {
	CreateZone(ctx context.Context, zone string, soa NewZone) (undo func() error, err error)
}

// NewZone is the content of a zone that a ZoneCreator makes: an SOA and NS
// records.
type NewZone struct {
	// Nameservers are absolute NS host names; the first is the SOA MNAME.
	Nameservers []string
	// Hostmaster is the SOA RNAME, absolute (hostmaster.example.net.).
	Hostmaster string
	// TTL is the zone's default TTL.
	TTL uint32
}

// Config is one provider block of mailzone.yaml after ${VAR} expansion.
type Config struct {
	// Name is the block's key under providers:, for messages.
	Name string
	// Type selects the registered provider.
	Type string
	// Settings holds every other key of the block, expanded.
	Settings map[string]string
	// Dir is the directory of the configuration file; relative paths in settings
	// are taken from it.
	Dir string
	// RateShare, between 0 and 1, is the share of the provider's API rate limit
	// this process may use (--rate-share 1/N when N jobs share one account).
	// Zero means the whole limit.
	RateShare float64
	// DNS says where providers that read through DNS find a zone's
	// authoritative nameservers.
	DNS DNS
}

// DNS is how a provider that reads through DNS reaches a zone's
// authoritative nameservers: the settings verify uses.
type DNS struct {
	// Resolver is the recursive resolver (host:port) that finds the NS set
	// and the nameservers' addresses; empty for /etc/resolv.conf.
	Resolver string
	// Nameservers returns the addresses (ip or ip:port) to ask for zone
	// instead of discovering them (verify.nameservers, --nameserver), or nil.
	// Nil itself means always discover.
	Nameservers func(zone string) []string
}

// Setting describes one key a provider type accepts.
type Setting struct {
	Name     string
	Required bool
	// Secret settings are never printed; they must be given as ${VAR}.
	Secret bool
	// Help is a short description used in error messages and docs.
	Help string
}

// Type is a registered provider type.
type Type struct {
	Name     string
	Settings []Setting
	// Open builds a provider from a configuration whose keys were already
	// checked against Settings. It must not make network requests.
	Open func(Config) (Provider, error)
}

var (
	mu    sync.RWMutex
	types = map[string]Type{}
)

// Register makes a provider type available under t.Name. It panics on a
// duplicate name, which is a programming error.
func Register(t Type) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := types[t.Name]; dup {
		panic("providers: duplicate type " + t.Name)
	}
	types[t.Name] = t
}

// Lookup returns the registered type called name.
func Lookup(name string) (Type, bool) {
	mu.RLock()
	defer mu.RUnlock()
	t, ok := types[name]
	return t, ok
}

// Names lists the registered types, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(types))
	for n := range types {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// SettingError is a problem with one key of a provider block.
type SettingError struct {
	Key string
	Msg string
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Msg }

// Check validates the keys of cfg against its type, without opening anything. It
// returns one error per problem: an unknown type, an unknown key, a missing
// required key.
func Check(cfg Config) []error {
	t, ok := Lookup(cfg.Type)
	if !ok {
		return []error{&SettingError{Key: "type", Msg: fmt.Sprintf("unknown provider type %q (known: %s; for a DNS host mailzone cannot write, use manual: it prints what to change and checks it)", cfg.Type, strings.Join(Names(), ", "))}}
	}
	var errs []error
	known := map[string]Setting{}
	for _, s := range t.Settings {
		known[s.Name] = s
		if v, ok := cfg.Settings[s.Name]; s.Required && (!ok || v == "") {
			errs = append(errs, &SettingError{Key: s.Name, Msg: fmt.Sprintf("required by provider type %s (%s)", t.Name, s.Help)})
		}
	}
	keys := make([]string, 0, len(cfg.Settings))
	for k := range cfg.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := known[k]; !ok {
			names := make([]string, 0, len(t.Settings))
			for _, s := range t.Settings {
				names = append(names, s.Name)
			}
			errs = append(errs, &SettingError{Key: k, Msg: fmt.Sprintf("unknown key for provider type %s (known: %s)", t.Name, strings.Join(names, ", "))})
		}
	}
	return errs
}

// Open checks cfg and opens the provider. It makes no network request.
func Open(cfg Config) (Provider, error) {
	if errs := Check(cfg); len(errs) > 0 {
		return nil, fmt.Errorf("provider %s: %w", cfg.Name, errs[0])
	}
	t, _ := Lookup(cfg.Type)
	p, err := t.Open(cfg)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", cfg.Name, err)
	}
	return p, nil
}

// IsSecret reports whether key of provider type typ holds a secret.
func IsSecret(typ, key string) bool {
	t, ok := Lookup(typ)
	if !ok {
		return false
	}
	for _, s := range t.Settings {
		if s.Name == key {
			return s.Secret
		}
	}
	return false
}
