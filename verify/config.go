package verify

import (
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// Record is one RRset to check on every nameserver. It carries what verify needs of
// a schema.Record: build it as verify.Record{Field: r.Field, Set: r.Set, Owns: r.Owns}.
type Record struct {
	// Field names the record in reports: "mx", "spf", "dkim.s1", "dmarc". Records
	// sharing a field (a DKIM selector's TXT and CNAME) share one report column.
	Field string
	// Set is the desired RRset; no values means none of the owned values may exist.
	Set rrset.RRset
	// Owns reports whether an observed value is mailzone's; values it does not own
	// (a site-verification TXT beside the SPF record) are ignored. Nil owns all.
	Owns func(value string) bool
}

func (r Record) owns(v string) bool { return r.Owns == nil || r.Owns(v) }

// Defaults for Options, applied to its zero fields.
const (
	// DefaultTimeout bounds the whole verification.
	DefaultTimeout = 5 * time.Minute
	// DefaultInitialBackoff is the pause after the first round of queries.
	DefaultInitialBackoff = 250 * time.Millisecond
	// DefaultMaxBackoff caps the pause between rounds. It is below one second so
	// that a nameserver that has just caught up is seen as verified within a
	// second (the pause plus one round trip), however long it lagged.
	DefaultMaxBackoff = 800 * time.Millisecond
	// DefaultQueryTimeout bounds one query (UDP, then TCP if truncated).
	DefaultQueryTimeout = 2 * time.Second
	// DefaultPort is the port discovered nameserver addresses are asked on.
	DefaultPort = "53"
	// UDPSize is the EDNS0 UDP payload size advertised (the DNS flag day 2020 value).
	UDPSize = 1232
)

// Options configure discovery and polling. The zero value uses the defaults.
type Options struct {
	// Resolver is the recursive resolver used to find the NS set and the
	// nameservers' addresses, as host:port. Default: the first nameserver in
	// /etc/resolv.conf.
	Resolver string
	// Nameservers, when set, are the addresses (ip:port) to check, and discovery is
	// skipped: for private, split-horizon and test setups.
	Nameservers []string
	// ProviderNameservers are the nameserver names the DNS provider assigned to the
	// zone (Cloudflare's API tells them). They are compared with the delegation,
	// and checked when the resolver knows no NS set for the zone (not delegated yet).
	ProviderNameservers []string
	// NameserverNames, when set (and Nameservers is not), are the nameserver
	// names to ask, resolved through the resolver, instead of the NS set the
	// resolver knows: reading a zone at the provider that holds it, whatever
	// the delegation says.
	NameserverNames []string
	// Port is the port discovered nameserver addresses are asked on; default 53.
	Port string
	// Timeout bounds the whole verification; default 5m.
	Timeout time.Duration
	// InitialBackoff is the pause after an address's first round; default 250ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the doubling pause between rounds; default 800ms.
	MaxBackoff time.Duration
	// QueryTimeout bounds one query to one address; default 2s.
	QueryTimeout time.Duration
	// Once asks every address one round of questions and reports what each
	// served, without polling until they agree (dkim status).
	Once bool
	// Progress, when set, is called with the current state after every change and
	// about once a second, from a single goroutine.
	Progress func(Progress)
	// Cache, when set, shares the resolver's answers about nameserver names
	// and parent zones among the zones of one run (see Cache).
	Cache *Cache
	// Limiter, when set, bounds the questions in flight to each nameserver
	// address across every zone of one run (see Limiter).
	Limiter *Limiter
	// Sequential asks an address about one record at a time instead of all
	// at once: for fleet runs, where thousands of zones are in flight and
	// the Limiter bounds each address anyway, it keeps goroutines (and
	// memory) to one per address per zone.
	Sequential bool
}

// resolvConf is where the default resolver is read from.
var resolvConf = "/etc/resolv.conf"

// withDefaults returns o with every zero field set to its default. It is the one
// place defaults are decided.
func (o Options) withDefaults() (Options, error) {
	if o.Port == "" {
		o.Port = DefaultPort
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = DefaultInitialBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxBackoff < o.InitialBackoff {
		o.MaxBackoff = o.InitialBackoff
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = DefaultQueryTimeout
	}
	ns := make([]string, len(o.Nameservers))
	for i, a := range o.Nameservers {
		if _, _, err := net.SplitHostPort(a); err != nil {
			a = net.JoinHostPort(a, o.Port)
		}
		ns[i] = a
	}
	o.Nameservers = ns
	if o.Resolver != "" {
		if _, _, err := net.SplitHostPort(o.Resolver); err != nil {
			o.Resolver = net.JoinHostPort(o.Resolver, "53")
		}
		return o, nil
	}
	cc, err := dns.ClientConfigFromFile(resolvConf)
	switch {
	case err == nil && len(cc.Servers) > 0:
		o.Resolver = net.JoinHostPort(cc.Servers[0], cc.Port)
	case len(o.Nameservers) > 0:
		// Not needed to check explicit nameservers; delegation reports say so.
	case err != nil:
		return o, fmt.Errorf("default resolver: %w", err)
	default:
		return o, fmt.Errorf("default resolver: no nameserver in %s", resolvConf)
	}
	return o, nil
}
