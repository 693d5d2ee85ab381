package fakeroute53

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/providers/authdns"
)

// delegationSet is a reusable delegation set: nameservers shared by the
// hosted zones created with it.
type delegationSet struct {
	id, callerRef string
	nameServers   []string
}

// AddDelegationSet creates a reusable delegation set with the given
// nameserver names (as Route 53's white-label sets: ns1.example.net ...) and
// returns its id ("N" and 13 digits).
func (s *Server) AddDelegationSet(nameServers ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	ds := &delegationSet{id: fmt.Sprintf("N%013d", s.seq), callerRef: fmt.Sprintf("fake-set-%d", s.seq), nameServers: nameServers}
	s.sets = append(s.sets, ds)
	return ds.id
}

// AddZoneInSet creates a public hosted zone called name that uses the reusable
// delegation set setID: its NS records are the set's nameservers.
func (s *Server) AddZoneInSet(name, setID string) string {
	id := s.AddZone(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.sets, func(d *delegationSet) bool { return d.id == setID })
	if i < 0 {
		panic("fakeroute53: no delegation set " + setID)
	}
	z := s.zones[id]
	z.setID, z.nameServers = setID, s.sets[i].nameServers
	var ns []string
	for _, n := range z.nameServers {
		ns = append(ns, dns.Fqdn(n))
	}
	z.sets[setKey{z.name, "NS"}] = RRset{Name: z.name, Type: "NS", TTL: 172800, Values: ns}
	z.sets[setKey{z.name, "SOA"}] = RRset{Name: z.name, Type: "SOA", TTL: 900,
		Values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	s.publish(z)
	return id
}

// listDelegationSets answers ListReusableDelegationSets.
func (s *Server) listDelegationSets(q url.Values) answer {
	limit, ok := maxItems(q, 100, 100)
	if !ok {
		return apiError(http.StatusBadRequest, "InvalidInput", "Invalid maxitems")
	}
	resp := &xListSetsResponse{Marker: q.Get("marker"), MaxItems: limit}
	start := 0
	if m := q.Get("marker"); m != "" {
		start = slices.IndexFunc(s.sets, func(d *delegationSet) bool { return d.id == m })
		if start < 0 {
			return apiError(http.StatusBadRequest, "InvalidInput", "Invalid marker "+m)
		}
	}
	for i := start; i < len(s.sets); i++ {
		if len(resp.Sets) == limit {
			resp.IsTruncated, resp.NextMarker = true, s.sets[i].id
			break
		}
		d := s.sets[i]
		resp.Sets = append(resp.Sets, xDelegationSet{ID: d.id, CallerReference: d.callerRef, NameServers: d.nameServers})
	}
	return answer{http.StatusOK, resp}
}

// StartDNS starts the account's nameservers on addr (see authdns.Start):
// from then on every hosted zone is served as the API holds it, each change
// batch published as it is applied. Tests set lag, AA bit and silence on the
// returned server.
func (s *Server) StartDNS(t testing.TB, addr string) *authdns.Server {
	front := authdns.Start(t, addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.front = front
	for _, id := range s.order {
		s.publish(s.zones[id])
	}
	return front
}

// publish hands the zone's record sets to the nameservers. It runs with s.mu
// held.
func (s *Server) publish(z *zone) {
	if s.front == nil {
		return
	}
	var rrs []dns.RR
	for _, set := range z.sets {
		for _, v := range set.Values {
			rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", set.Name, set.TTL, set.Type, v))
			if err != nil || rr == nil {
				continue // a value the fake's DNS cannot parse is not served
			}
			rrs = append(rrs, rr)
		}
	}
	s.front.Publish(z.name, rrs)
}
