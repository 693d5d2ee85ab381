package fleet

import (
	"strings"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// Open opens every provider the targets use, once each, with share of each
// one's API rate limit (0 for all of it) and dns for the providers that read
// through DNS. It makes no request. A provider whose ${VAR} settings are
// unset is not opened; its diagnostics are returned in unset, other failures
// in errs, so that every problem is said before anything is read.
func Open(cfg *schema.Config, ts []*Target, share float64, dns providers.DNS) (opened map[string]providers.Provider, unset schema.Diagnostics, errs []error) {
	opened = map[string]providers.Provider{}
	for _, t := range ts {
		if _, done := opened[t.Provider]; done {
			continue
		}
		pc := cfg.Provider(t.Provider)
		if len(pc.Unset) > 0 {
			unset = append(unset, pc.Unset...)
			opened[t.Provider] = nil
			continue
		}
		p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir, RateShare: share, DNS: dns})
		if err != nil {
			errs = append(errs, err)
		}
		opened[t.Provider] = p
	}
	return opened, unset, errs
}

// ZoneDNS is how providers that read through DNS reach each zone's
// nameservers: the resolver (else defaults.resolver), and the addresses
// verify would ask (flagNS, the --nameserver flag, else the zone's
// verify.nameservers).
func ZoneDNS(cfg *schema.Config, resolver string, flagNS []string) providers.DNS {
	if resolver == "" {
		resolver = cfg.Defaults.Resolver
	}
	byZone := map[string][]string{}
	for _, d := range cfg.Domains {
		if _, ok := byZone[d.Zone]; !ok && len(d.Verify.Nameservers) > 0 {
			byZone[d.Zone] = d.Verify.Nameservers
		}
	}
	return providers.DNS{Resolver: resolver, Nameservers: func(zone string) []string {
		if len(flagNS) > 0 {
			return flagNS
		}
		return byZone[strings.ToLower(strings.TrimSuffix(zone, "."))]
	}}
}
