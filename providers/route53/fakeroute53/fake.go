// Package fakeroute53 is an in-process fake of the Amazon Route 53 REST/XML API
// (version 2013-04-01), written from the public API reference, for testing the
// route53 provider adapter without an AWS account.
//
// It serves the calls mailzone makes, reachable by the AWS SDK through
// AWS_ENDPOINT_URL_ROUTE_53 or a client's BaseEndpoint: ListHostedZones,
// ListHostedZonesByName, GetHostedZone, ListResourceRecordSets (Route 53 order and
// pagination), ChangeResourceRecordSets (the whole batch validated, then applied
// atomically or rejected with InvalidChangeBatch and Route 53's messages) and
// GetChange (PENDING, then INSYNC).
//
// Tests seed zones with [Server.AddZone] and [Server.SetRRset], read them back
// with [Server.Zone], inject latency, throttling, 503s and dropped connections
// with the knobs, and assert on the request log ([Server.Requests],
// [Server.Count], [Server.ChangeBatches]): the point of the adapter is to make
// few, atomic requests, and only a log shows that.
package fakeroute53

import (
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/authdns"
)

// Failure is an injected fault, answered instead of (or after) handling a request.
type Failure int

// The faults a test can inject with [Server.FailNext].
const (
	// Throttle answers 400 with error code Throttling, "Rate exceeded", as
	// Route 53 does when an account exceeds 5 requests per second. Nothing
	// is processed.
	Throttle Failure = iota + 1
	// Unavailable answers 503 ServiceUnavailable without processing.
	Unavailable
	// Drop closes the connection without an answer and without processing.
	Drop
	// ApplyThenDrop processes the request (a change batch is applied) and then
	// closes the connection without an answer: the client cannot know the
	// outcome.
	ApplyThenDrop
)

// String names the failure, as the request log records it.
func (f Failure) String() string {
	switch f {
	case Throttle:
		return "throttle"
	case Unavailable:
		return "unavailable"
	case Drop:
		return "drop"
	case ApplyThenDrop:
		return "apply-then-drop"
	}
	return fmt.Sprintf("Failure(%d)", int(f))
}

// Request is one logged API call.
type Request struct {
	Method string
	// Path is the URL path, such as /2013-04-01/hostedzone/Z1/rrset.
	Path string
	// Query is the raw query string.
	Query string
	// Action is the Route 53 operation name, such as "ChangeResourceRecordSets",
	// or "" when the path matched none.
	Action string
	// Body is the request body (XML for ChangeResourceRecordSets).
	Body string
	// Status is the HTTP status answered; 0 for a dropped connection.
	Status int
	// Injected names the injected failure, if any.
	Injected string
}

// RRset is one resource record set as the fake stores it: Name absolute and
// lower case with "*" unescaped, Values in Route 53's wire form (TXT values are
// quoted character-strings with octal escapes).
type RRset struct {
	Name   string
	Type   string
	TTL    int64
	Values []string
}

// Change is one element of a change batch.
type Change struct {
	Action string
	RRset  RRset
}

// ChangeBatch is one ChangeResourceRecordSets request as received.
type ChangeBatch struct {
	ZoneID  string
	Changes []Change
	// Accepted is true when the batch was applied.
	Accepted bool
	// Errors holds the InvalidChangeBatch messages of a rejected batch.
	Errors []string
}

type zone struct {
	id, name, callerRef string
	setID               string // reusable delegation set, if any
	nameServers         []string
	sets                map[setKey]RRset
}

type setKey struct{ name, typ string }

type change struct {
	id        string
	submitted time.Time
	polls     int
}

type fault struct {
	action string // "" means any
	kind   Failure
	left   int
}

// Server is the fake. The zero value is not usable; call [New] or [Start].
type Server struct {
	mu      sync.Mutex
	zones   map[string]*zone
	order   []string // zone ids in creation order
	changes map[string]*change
	log     []Request
	batches []ChangeBatch
	faults  []*fault
	latency time.Duration
	seq     int
	sets    []*delegationSet // reusable delegation sets, in creation order
	front   *authdns.Server  // the nameservers, once StartDNS ran

	ts *httptest.Server
}

// New returns a fake with no zones, not listening; it is an [http.Handler].
func New() *Server {
	return &Server{zones: map[string]*zone{}, changes: map[string]*change{}}
}

// Start returns a fake listening on a loopback port, closed when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := New()
	s.ts = httptest.NewServer(s)
	tb.Cleanup(s.ts.Close)
	return s
}

// URL is the base URL of a started fake, for AWS_ENDPOINT_URL_ROUTE_53.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// AddZone creates a public hosted zone called name, with the SOA and NS
// records Route 53 puts in every new zone, and returns its id (such as
// "Z00000000000001", without the /hostedzone/ prefix).
func (s *Server) AddZone(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("Z%014d", s.seq)
	name = canonicalName(name)
	z := &zone{id: id, name: name, callerRef: fmt.Sprintf("fake-%d", s.seq), sets: map[setKey]RRset{}}
	for i := 1; i <= 4; i++ {
		z.nameServers = append(z.nameServers, fmt.Sprintf("ns-%d.awsdns-%02d.example.", s.seq*10+i, i))
	}
	var ns []string
	for _, n := range z.nameServers {
		ns = append(ns, n+".")
	}
	z.sets[setKey{name, "NS"}] = RRset{Name: name, Type: "NS", TTL: 172800, Values: ns}
	z.sets[setKey{name, "SOA"}] = RRset{Name: name, Type: "SOA", TTL: 900,
		Values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	s.zones[id] = z
	s.order = append(s.order, id)
	s.publish(z)
	return id
}

// SetRRset replaces the set at name and type in zone id with values in Route 53
// wire form (TXT quoted); no values removes the set. It is not logged and not
// validated: it is how tests seed state.
func (s *Server) SetRRset(id, name, typ string, ttl int64, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[strings.TrimPrefix(id, "/hostedzone/")]
	if z == nil {
		panic("fakeroute53: SetRRset: no zone " + id)
	}
	k := setKey{canonicalName(name), strings.ToUpper(typ)}
	if len(values) == 0 {
		delete(z.sets, k)
	} else {
		z.sets[k] = RRset{Name: k.name, Type: k.typ, TTL: ttl, Values: append([]string(nil), values...)}
	}
	s.publish(z)
}

// Zone returns every set in zone id, in Route 53 order.
func (s *Server) Zone(id string) []RRset {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[strings.TrimPrefix(id, "/hostedzone/")]
	if z == nil {
		return nil
	}
	return sortedSets(z.sets)
}

// Lookup returns the set at name and type in zone id.
func (s *Server) Lookup(id, name, typ string) (RRset, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[strings.TrimPrefix(id, "/hostedzone/")]
	if z == nil {
		return RRset{}, false
	}
	r, ok := z.sets[setKey{canonicalName(name), strings.ToUpper(typ)}]
	return r, ok
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// FailNext makes the next n requests for action ("" for any action, or an
// operation name such as "ChangeResourceRecordSets") fail with f. Faults
// queue in the order given.
func (s *Server) FailNext(action string, n int, f Failure) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{action: action, kind: f, left: n})
	s.mu.Unlock()
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns how many logged requests were for action ("" counts all).
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if action == "" || r.Action == action {
			n++
		}
	}
	return n
}

// ChangeBatches returns every change batch the fake decoded, accepted or not,
// in arrival order. Batches answered with an injected Throttle, Unavailable or
// Drop were never decoded and are not listed.
func (s *Server) ChangeBatches() []ChangeBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChangeBatch(nil), s.batches...)
}

// ResetLog forgets the logged requests and change batches.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log, s.batches = nil, nil
	s.mu.Unlock()
}

// canonicalName makes a name absolute and lower case and undoes Route 53's
// octal escapes (\052 for "*").
func canonicalName(n string) string {
	n = strings.ToLower(unescapeName(strings.TrimSpace(n)))
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

func unescapeName(n string) string {
	if !strings.Contains(n, `\`) {
		return n
	}
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		if n[i] == '\\' && i+3 < len(n) && isOctal(n[i+1]) && isOctal(n[i+2]) && isOctal(n[i+3]) {
			b.WriteByte((n[i+1]-'0')<<6 | (n[i+2]-'0')<<3 | (n[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(n[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// wireName renders a stored name as Route 53 returns it: "*" as \052.
func wireName(n string) string { return strings.ReplaceAll(n, "*", `\052`) }

// sortKey is Route 53's list order for names: labels reversed, trailing dot
// kept ("www.example.com." sorts as "com.example.www.").
func sortKey(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".") + "."
}

func less(a, b setKey) bool {
	ka, kb := sortKey(a.name), sortKey(b.name)
	if ka != kb {
		return ka < kb
	}
	return a.typ < b.typ
}

func sortedSets(m map[setKey]RRset) []RRset {
	keys := make([]setKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return less(keys[i], keys[j]) })
	out := make([]RRset, 0, len(keys))
	for _, k := range keys {
		r := m[k]
		r.Values = append([]string(nil), r.Values...)
		out = append(out, r)
	}
	return out
}
