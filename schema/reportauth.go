package schema

import (
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/mailzone/mailzone/dmarc"
)

// ReportAuth is one external report authorization (RFC 7489 §7.1) that a
// destination zone in the file publishes: <domain>._report._dmarc.<dest>
// TXT "v=DMARC1", or the wildcard *._report._dmarc.<dest>.
type ReportAuth struct {
	// Name is the owner name, absolute.
	Name string
	// Present is false for an authorization mailzone owns and no domain
	// needs any more: it must be absent.
	Present bool
}

// ReportAuthRecord is the TXT data of an authorization.
const ReportAuthRecord = "v=DMARC1"

// orgDomain is the registered domain of name under its public suffix.
func orgDomain(name string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return name
	}
	return org
}

// reportDestinations are the domains of a DMARC record's mailto: rua and
// ruf URIs, lower case.
func reportDestinations(text string) []string {
	rec, _ := dmarc.Parse(text)
	if rec == nil {
		return nil
	}
	var out []string
	for _, tag := range []string{"rua", "ruf"} {
		v, ok := rec.Get(tag)
		if !ok {
			continue
		}
		for _, u := range strings.Split(v, ",") {
			u = strings.TrimSpace(u)
			if len(u) < 7 || !strings.EqualFold(u[:7], "mailto:") {
				continue
			}
			addr := u[7:]
			if i := strings.LastIndexByte(addr, '!'); i >= 0 {
				addr = addr[:i]
			}
			if i := strings.LastIndexByte(addr, '@'); i >= 0 {
				out = append(out, strings.ToLower(strings.TrimSuffix(addr[i+1:], ".")))
			}
		}
	}
	return out
}

// authorizeReports decides the report authorizations the file publishes:
// for every domain whose reports go outside its organizational domain, to
// a destination whose zone is in the file, that zone gets the record that
// lets receivers send them. mailzone owns <X>._report._dmarc.<dest> for
// every configured domain X outside dest's organizational domain, so an
// authorization no domain needs any more is removed; names of domains not
// in the file are never touched. With defaults.report_authorization:
// wildcard one *._report._dmarc.<dest> stands for all (and the
// per-domain records of the file's domains go).
func authorizeReports(cfg *Config) {
	// The destinations, from each distinct DMARC text (a profile's is
	// parsed once), and every name a destination lies under: only zones
	// among those can host an authorization, so a fleet whose reports go
	// to a few destinations does not index all its zones.
	destsOf := map[string][]string{}
	under := map[string]bool{}
	for _, d := range cfg.Domains {
		if d.DMARC == nil || d.DMARC.Absent || d.DMARC.Text == "" {
			continue
		}
		if _, ok := destsOf[d.DMARC.Text]; !ok {
			destsOf[d.DMARC.Text] = reportDestinations(d.DMARC.Text)
			for _, dest := range destsOf[d.DMARC.Text] {
				for z := dest; z != "" && !under[z]; {
					under[z] = true
					_, z, _ = strings.Cut(z, ".")
				}
			}
		}
	}
	if len(under) == 0 {
		return
	}
	host := map[string]*Domain{} // zone → the domain that publishes in it
	for _, d := range cfg.Domains {
		if !under[d.Zone] {
			continue
		}
		if h, ok := host[d.Zone]; !ok || (d.Name == d.Zone && h.Name != h.Zone) {
			host[d.Zone] = d
		}
	}
	// zoneOf finds the configured zone a destination lies in, or "".
	zoneOf := func(dest string) string {
		for z := dest; z != ""; {
			if _, ok := host[z]; ok {
				return z
			}
			_, rest, ok := strings.Cut(z, ".")
			if !ok {
				break
			}
			z = rest
		}
		return ""
	}
	need := map[string]map[string]bool{} // dest → domains that send reports there
	for _, d := range cfg.Domains {
		if d.DMARC == nil || d.DMARC.Absent || d.DMARC.Text == "" {
			continue
		}
		for _, dest := range destsOf[d.DMARC.Text] {
			if zoneOf(dest) == "" || orgDomain(dest) == orgDomain(d.Name) {
				continue
			}
			if need[dest] == nil {
				need[dest] = map[string]bool{}
			}
			need[dest][d.Name] = true
			if d.ReportAuthManaged == nil {
				d.ReportAuthManaged = map[string]bool{}
			}
			d.ReportAuthManaged[dest] = true
		}
	}
	dests := make([]string, 0, len(need))
	for dest := range need {
		dests = append(dests, dest)
	}
	sort.Strings(dests)
	wildcard := cfg.Defaults.ReportAuthorization == "wildcard"
	for _, dest := range dests {
		h := host[zoneOf(dest)]
		if wildcard {
			// Only in wildcard mode is the wildcard mailzone's: one an MSP
			// published by hand for customers outside the file stays.
			h.ReportAuth = append(h.ReportAuth, ReportAuth{Name: "*._report._dmarc." + dest + ".", Present: true})
		}
		for _, x := range cfg.Domains {
			if orgDomain(x.Name) == orgDomain(dest) {
				continue
			}
			h.ReportAuth = append(h.ReportAuth, ReportAuth{Name: x.Name + "._report._dmarc." + dest + ".", Present: !wildcard && need[dest][x.Name]})
		}
	}
}
