package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// NegativeTTL is how long a resolver may cache that a name does not exist in
// zone (RFC 2308 §5): the lesser of the SOA record's TTL and its MINIMUM
// field, as the zone's authoritative nameservers serve it. A DKIM key is safe
// to sign with only once this long has passed since it was served
// everywhere: until then a resolver that asked before may still answer
// NXDOMAIN. It asks the addresses in turn and returns the first answer.
func NegativeTTL(ctx context.Context, zone string, o Options) (time.Duration, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, err
	}
	zone = rrset.Absolute(zone, ".")
	servers, err := discover(ctx, zone, o)
	if err != nil {
		return 0, fmt.Errorf("SOA of %s: %w", zone, err)
	}
	var last error = fmt.Errorf("no nameserver address")
	for _, s := range servers {
		for _, a := range s.Addrs {
			r, err := exchange(ctx, nil, a, zone, dns.TypeSOA, false, o.QueryTimeout)
			if err != nil {
				last = err
				continue
			}
			for _, rr := range r.Answer {
				if soa, ok := rr.(*dns.SOA); ok && r.Authoritative {
					return time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second, nil
				}
			}
			last = fmt.Errorf("%s gave no authoritative SOA", a)
		}
	}
	return 0, fmt.Errorf("SOA of %s: %w", zone, last)
}
