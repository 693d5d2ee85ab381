package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// Read asks the zone's authoritative nameservers for the RRsets at keys, with
// verify's rules: RD=0, EDNS0, TCP when truncated, and only answers with the AA
// bit count. Every address of every nameserver is asked; they must agree, so
// that a plan made from what they serve is the same whichever answered. It is
// how zones that mailzone cannot list (the manual provider) are read: only the
// names asked for, never the rest of the zone.
//
// A key with nothing at it (NXDOMAIN, or no records of its type) is returned
// as an RRset without values. TTLs are those the nameservers hold, which
// authoritative answers give unchanged.
func Read(ctx context.Context, zone string, keys []rrset.Key, o Options) ([]rrset.RRset, error) {
	return read(ctx, zone, keys, o, false)
}

// ReadExact is Read for a caller that takes the answers for the records a
// provider holds (a plan that reads through DNS before the provider's API).
// Besides Read's rules it asks every address about a name that cannot exist
// under each parent of the keys below the apex, and fails when anything but
// NXDOMAIN comes back: there a wildcard would answer for a missing name, and a
// synthesized answer is not a record the provider holds.
func ReadExact(ctx context.Context, zone string, keys []rrset.Key, o Options) ([]rrset.RRset, error) {
	return read(ctx, zone, keys, o, true)
}

func read(ctx context.Context, zone string, keys []rrset.Key, o Options, probe bool) ([]rrset.RRset, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	servers, err := discover(ctx, zone, o)
	if err != nil {
		return nil, err
	}
	var addrs []string
	for _, s := range servers {
		addrs = append(addrs, s.Addrs...)
	}
	type answer struct {
		set rrset.RRset
		err error
	}
	got := make([][]answer, len(keys)) // [key][addr]
	// An exact read fails as a whole on any failed question, so the first
	// one stops the rest: a silent nameserver costs one timeout per zone.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failed := func(err error) {
		if probe && err != nil && !errors.Is(err, errNoRoute) {
			cancel()
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxQueries)
	for i := range keys {
		got[i] = make([]answer, len(addrs))
	}
	for _, q := range questions(keys) {
		for j, addr := range addrs {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				sets, err := readOne(ctx, addr, q, keys, o)
				for n, i := range q.keys {
					got[i][j] = answer{sets[n], err}
				}
				failed(err)
			})
		}
	}
	var probes []string
	if probe {
		probes = wildcardProbes(zone, keys)
	}
	probed := make([]string, len(probes)*len(addrs))
	for i, name := range probes {
		for j, addr := range addrs {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				p := probeAbsent(ctx, addr, name, o)
				probed[i*len(addrs)+j] = p
				if p != "" {
					failed(errors.New(p))
				}
			})
		}
	}
	wg.Wait()
	out := make([]rrset.RRset, 0, len(keys))
	var problems []string
	for _, p := range probed {
		if p != "" {
			problems = append(problems, p)
		}
	}
	for i, k := range keys {
		var first *rrset.RRset
		var firstAddr string
		answered := 0
		for j, a := range got[i] {
			if a.err != nil {
				if !errors.Is(a.err, errNoRoute) && !errors.Is(a.err, context.Canceled) {
					problems = append(problems, fmt.Sprintf("%s %s at %s: %v", k.Name, k.Type, addrs[j], a.err))
				}
				continue
			}
			answered++
			if first == nil {
				first, firstAddr = &got[i][j].set, addrs[j]
				continue
			}
			if !sameServed(*first, a.set) {
				problems = append(problems, fmt.Sprintf("%s %s: %s serves %s, %s serves %s (wait until they agree)",
					k.Name, k.Type, firstAddr, served(*first), addrs[j], served(a.set)))
			}
		}
		if first == nil && answered == 0 && len(problems) == 0 {
			problems = append(problems, fmt.Sprintf("%s %s: no nameserver address could be asked", k.Name, k.Type))
		}
		if first != nil {
			out = append(out, *first)
		}
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return nil, fmt.Errorf("reading %s from its nameservers: %s", rrset.Absolute(zone, "."), strings.Join(problems, "; "))
	}
	return out, nil
}

// maxQueries bounds the questions one Read has in flight.
const maxQueries = 16

// question is one question to ask each address, answering for one or two
// keys at its name.
type question struct {
	name  string
	qtype string
	keys  []int // indexes into the keys read
}

// questions groups the keys into questions: a name read as CNAME and as one
// other type is asked once, for that type. An authoritative answer for a
// name that holds a CNAME is the CNAME itself (RFC 1034 §3.6.2), and for a
// name that holds none it is the records of the type asked for, so one
// answer says both. A DKIM selector delegated to an ESP is read so (its
// CNAME, and the TXT it must not have) in half the questions.
func questions(keys []rrset.Key) []question {
	var out []question
	at := map[string][]int{}
	var names []string
	for i, k := range keys {
		n := strings.ToLower(rrset.Absolute(k.Name, "."))
		if _, ok := at[n]; !ok {
			names = append(names, n)
		}
		at[n] = append(at[n], i)
	}
	for _, n := range names {
		idx := at[n]
		if len(idx) == 2 && (keys[idx[0]].Type == "CNAME") != (keys[idx[1]].Type == "CNAME") {
			other := idx[0]
			if keys[other].Type == "CNAME" {
				other = idx[1]
			}
			out = append(out, question{name: n, qtype: keys[other].Type, keys: idx})
			continue
		}
		for _, i := range idx {
			out = append(out, question{name: n, qtype: keys[i].Type, keys: []int{i}})
		}
	}
	return out
}

// readOne asks one address one question and returns the RRset of each of
// its keys, in the order of q.keys.
func readOne(ctx context.Context, addr string, q question, keys []rrset.Key, o Options) ([]rrset.RRset, error) {
	qtype, ok := dns.StringToType[q.qtype]
	if !ok {
		return make([]rrset.RRset, len(q.keys)), fmt.Errorf("unknown type %s", q.qtype)
	}
	r, err := askAuth(ctx, o, addr, q.name, qtype)
	if err == nil {
		if e := rcodeError(r); e != "" {
			err = fmt.Errorf("%s", e)
		} else if !r.Authoritative {
			err = fmt.Errorf("lame: answer without AA (the server is not authoritative for the zone, or the name is delegated elsewhere)")
		}
	}
	out := make([]rrset.RRset, len(q.keys))
	if err != nil {
		return out, err
	}
	for n, i := range q.keys {
		out[n] = servedSet(r, rrset.Absolute(keys[i].Name, "."), keys[i].Type)
	}
	return out, nil
}

// servedSet is the RRset of type typ at name in an answer, with the TTL of
// each record kept where they differ.
func servedSet(r *dns.Msg, name, typ string) rrset.RRset {
	rtype := dns.StringToType[typ]
	set := rrset.RRset{Name: name, Type: typ}
	ttls := map[string]uint32{}
	first, mixed := true, false
	for _, rr := range r.Answer {
		h := rr.Header()
		if h.Rrtype != rtype || !strings.EqualFold(h.Name, set.Name) {
			continue
		}
		v := rrValue(rr)
		set.Values = append(set.Values, v)
		if t, ok := ttls[v]; !ok || h.Ttl < t {
			ttls[v] = h.Ttl
		}
		mixed = mixed || (!first && h.Ttl != set.TTL)
		if first || h.Ttl < set.TTL {
			set.TTL = h.Ttl
		}
		first = false
	}
	slices.Sort(set.Values)
	set.Values = slices.Compact(set.Values)
	if mixed {
		// Served with a TTL per record (Cloudflare keeps one per record):
		// keep each, so the records mailzone owns are judged by their own.
		set.ValueTTLs = ttls
	}
	return set
}

// wildcardProbes returns one name that cannot exist under each parent of the
// keys below the apex of zone. Whatever would synthesize an answer for a
// missing key (a wildcard at its closest encloser) answers for the probe under
// the same parent too.
func wildcardProbes(zone string, keys []rrset.Key) []string {
	apex := rrset.Absolute(zone, ".")
	var b [6]byte
	rand.Read(b[:])
	label := "mz-absent-" + hex.EncodeToString(b[:])
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		name := rrset.Absolute(k.Name, ".")
		if strings.EqualFold(name, apex) || strings.HasPrefix(name, "*.") {
			// The apex is never synthesized; neither is a wildcard asked
			// for by its own name (*._domainkey of a parked domain): the
			// answer is the wildcard record itself.
			continue
		}
		_, parent, _ := strings.Cut(name, ".")
		if parent = strings.ToLower(parent); !seen[parent] {
			seen[parent] = true
			out = append(out, label+"."+parent)
		}
	}
	slices.Sort(out)
	return out
}

// probeAbsent asks addr about a name that cannot exist; it returns "" when
// the answer is an authoritative NXDOMAIN, else the problem.
func probeAbsent(ctx context.Context, addr, name string, o Options) string {
	r, err := askAuth(ctx, o, addr, name, dns.TypeTXT)
	switch {
	case errors.Is(err, errNoRoute), errors.Is(err, context.Canceled):
		return ""
	case err != nil:
		return fmt.Sprintf("%s at %s: %v", name, addr, err)
	case !r.Authoritative:
		return fmt.Sprintf("%s at %s: answer without AA", name, addr)
	case r.Rcode == dns.RcodeNameError:
		return ""
	case r.Rcode == dns.RcodeSuccess:
		_, parent, _ := strings.Cut(name, ".")
		return fmt.Sprintf("a wildcard answers under %s at %s, so an answer there may not be a record the zone holds", parent, addr)
	default:
		return fmt.Sprintf("%s at %s: %s", name, addr, rcodeError(r))
	}
}

// sameServed reports whether two answers hold the same records and TTL.
func sameServed(a, b rrset.RRset) bool {
	return slices.Equal(a.Values, b.Values) && (a.Empty() || a.TTL == b.TTL) && maps.Equal(a.ValueTTLs, b.ValueTTLs)
}

// served describes an answer for a message.
func served(s rrset.RRset) string {
	if s.Empty() {
		return "nothing"
	}
	return fmt.Sprintf("%s (TTL %d)", summarize(s.Values), s.TTL)
}
