package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// Nameserver is one authoritative nameserver of the zone and every address it has.
type Nameserver struct {
	// Name is the NS target, absolute ("ns1.example.com."), or the address itself
	// for an explicitly configured nameserver.
	Name string
	// Addrs are every IPv4 and IPv6 address of Name, as ip:port.
	Addrs []string
	// Err says why Name has no address, when it has none.
	Err string
}

// Discover finds the zone's NS set through o.Resolver and resolves every NS name
// to all its A and AAAA addresses. With o.Nameservers set it returns those, one
// Nameserver per address, without asking anything. When the resolver knows no
// NS set (the zone is not delegated yet) it falls back to o.ProviderNameservers.
func Discover(ctx context.Context, zone string, o Options) ([]Nameserver, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return discover(ctx, zone, o)
}

func discover(ctx context.Context, zone string, o Options) ([]Nameserver, error) {
	if len(o.Nameservers) > 0 {
		out := make([]Nameserver, len(o.Nameservers))
		for i, a := range o.Nameservers {
			out[i] = Nameserver{Name: a, Addrs: []string{a}}
		}
		return out, nil
	}
	zone = rrset.Absolute(zone, ".")
	if len(o.NameserverNames) > 0 {
		var names []string
		for _, n := range o.NameserverNames {
			names = append(names, rrset.Absolute(n, "."))
		}
		slices.Sort(names)
		return withAddrs(resolveAll(ctx, o, slices.Compact(names)))
	}
	names, err := lookupNS(ctx, o, zone)
	if err != nil && len(o.ProviderNameservers) == 0 {
		return nil, fmt.Errorf("authoritative nameservers: %w", err)
	}
	if len(names) == 0 {
		for _, n := range o.ProviderNameservers {
			names = append(names, rrset.Absolute(n, "."))
		}
		slices.Sort(names)
		names = slices.Compact(names)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("authoritative nameservers: NS %s via %s: none", zone, o.Resolver)
	}
	return withAddrs(resolveAll(ctx, o, names))
}

// withAddrs returns servers unless none of them has an address.
func withAddrs(servers []Nameserver) ([]Nameserver, error) {
	for _, s := range servers {
		if len(s.Addrs) > 0 {
			return servers, nil
		}
	}
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.Name
	}
	return nil, fmt.Errorf("authoritative nameservers: no address for any of %s", strings.Join(names, ", "))
}

// lookupNS asks the resolver for the NS names of zone, once per run with a
// Cache (verification and the delegation check both need them).
func lookupNS(ctx context.Context, o Options, zone string) ([]string, error) {
	if o.Cache != nil {
		return o.Cache.nsSet(o.Resolver+" "+zone, func() ([]string, error) { return lookupNSNow(ctx, o, zone) })
	}
	return lookupNSNow(ctx, o, zone)
}

// lookupNSNow is lookupNS without the cache.
func lookupNSNow(ctx context.Context, o Options, zone string) ([]string, error) {
	if o.Resolver == "" {
		return nil, errors.New("no resolver configured")
	}
	r, err := exchange(ctx, nil, o.Resolver, zone, dns.TypeNS, true, o.QueryTimeout)
	if err != nil {
		return nil, fmt.Errorf("NS %s via %s: %w", zone, o.Resolver, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("NS %s via %s: %s", zone, o.Resolver, dns.RcodeToString[r.Rcode])
	}
	var names []string
	for _, rr := range r.Answer {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, zone) {
			names = append(names, rrset.Absolute(ns.Ns, "."))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("NS %s via %s: no NS records", zone, o.Resolver)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// resolveAll resolves every name to its A and AAAA addresses through the
// resolver, all lookups at once.
func resolveAll(ctx context.Context, o Options, names []string) []Nameserver {
	out := make([]Nameserver, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		out[i].Name = name
		wg.Go(func() {
			out[i].Addrs, out[i].Err = resolveHost(ctx, o, name)
		})
	}
	wg.Wait()
	return out
}

// resolveHost returns every A and AAAA address of name as ip:port (o.Port), or why
// there is none.
func resolveHost(ctx context.Context, o Options, name string) ([]string, string) {
	if o.Cache != nil {
		return o.Cache.host(o.Resolver+" "+o.Port+" "+name, func() ([]string, string) { return resolveHostNow(ctx, o, name) })
	}
	return resolveHostNow(ctx, o, name)
}

// resolveHostNow is resolveHost without the cache.
func resolveHostNow(ctx context.Context, o Options, name string) ([]string, string) {
	var (
		mu    sync.Mutex
		addrs []string
		errs  []string
		wg    sync.WaitGroup
	)
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		wg.Go(func() {
			r, err := exchange(ctx, nil, o.Resolver, name, qtype, true, o.QueryTimeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s %s: %v", dns.TypeToString[qtype], name, err))
				return
			}
			if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
				errs = append(errs, fmt.Sprintf("%s %s: %s", dns.TypeToString[qtype], name, dns.RcodeToString[r.Rcode]))
				return
			}
			for _, rr := range r.Answer {
				switch a := rr.(type) {
				case *dns.A:
					addrs = append(addrs, net.JoinHostPort(a.A.String(), o.Port))
				case *dns.AAAA:
					addrs = append(addrs, net.JoinHostPort(a.AAAA.String(), o.Port))
				}
			}
		})
	}
	wg.Wait()
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	if len(addrs) > 0 {
		return addrs, ""
	}
	if len(errs) == 0 {
		return nil, fmt.Sprintf("%s has no A or AAAA record", name)
	}
	slices.Sort(errs)
	return nil, strings.Join(errs, "; ")
}
