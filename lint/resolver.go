package lint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Resolver answers DNS questions the way a recursive resolver does. The checks
// ask only through it, so tests and callers can put a cache, a fake or a
// different transport behind it.
type Resolver interface {
	// Lookup asks for the records of type qtype at name. NXDOMAIN and NODATA
	// are answers, not errors; SERVFAIL, REFUSED, timeouts and network
	// failures are errors (a *LookupError), with the Answer's Status set.
	Lookup(ctx context.Context, name string, qtype uint16) (Answer, error)
}

// Status classifies the outcome of one lookup.
type Status int

// The outcomes of a lookup. Found, NoData and NXDomain come with a nil
// error; the others come with a *LookupError.
const (
	Found    Status = iota // NOERROR with at least one record of the type asked
	NoData                 // NOERROR, the name exists but has no record of the type
	NXDomain               // the name does not exist
	ServFail               // the resolver could not get an answer (SERVFAIL)
	Refused                // the resolver refused (REFUSED or another RCODE)
	Timeout                // no reply in time
	Failed                 // the query could not be sent or the reply read
)

// String returns the name used in messages: "NXDOMAIN", "NODATA", "SERVFAIL", ...
func (s Status) String() string {
	switch s {
	case Found:
		return "NOERROR"
	case NoData:
		return "NODATA"
	case NXDomain:
		return "NXDOMAIN"
	case ServFail:
		return "SERVFAIL"
	case Refused:
		return "REFUSED"
	case Timeout:
		return "timeout"
	}
	return "failed"
}

// Answer is the outcome of one lookup.
type Answer struct {
	// Name is the name asked, absolute and lower case.
	Name string
	// Type is the type asked.
	Type uint16
	// Status classifies the outcome.
	Status Status
	// Records is the answer section: any CNAME chain the resolver followed
	// from Name, then the records of Type at the end of the chain.
	Records []dns.RR
}

// Void reports whether the lookup is an RFC 7208 §4.6.4 "void lookup": the
// name does not exist (NXDOMAIN) or has no record of the type (NODATA).
func (a Answer) Void() bool { return a.Status == NoData || a.Status == NXDomain }

// CNAMEs returns the targets of the CNAME chain followed from Name, in order;
// nil when Name holds its records itself.
func (a Answer) CNAMEs() []string {
	var out []string
	for _, rr := range a.Records {
		if c, ok := rr.(*dns.CNAME); ok {
			out = append(out, strings.ToLower(c.Target))
		}
	}
	return out
}

// TXT returns the text of each TXT record, its strings joined without a
// separator (RFC 7208 §3.3) and as the bytes published: miekg/dns keeps
// strings in presentation form (\DDD, \"), which is undone here.
func (a Answer) TXT() []string {
	var out []string
	for _, rr := range a.Records {
		if t, ok := rr.(*dns.TXT); ok {
			var b strings.Builder
			for _, s := range t.Txt {
				b.WriteString(unescapeTXT(s))
			}
			out = append(out, b.String())
		}
	}
	return out
}

// unescapeTXT turns a character-string in presentation form back into its
// bytes: "\DDD" is the byte DDD, "\x" is x.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit3(s[i+1:i+4]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit3(s string) bool {
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9'
}

// Addrs returns the addresses of the A and AAAA records.
func (a Answer) Addrs() []netip.Addr {
	var out []netip.Addr
	for _, rr := range a.Records {
		var ip net.IP
		switch r := rr.(type) {
		case *dns.A:
			ip = r.A.To4()
		case *dns.AAAA:
			ip = r.AAAA
		default:
			continue
		}
		if addr, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, addr)
		}
	}
	return out
}

// MX returns the MX records.
func (a Answer) MX() []*dns.MX {
	var out []*dns.MX
	for _, rr := range a.Records {
		if m, ok := rr.(*dns.MX); ok {
			out = append(out, m)
		}
	}
	return out
}

// PTR returns the target names of the PTR records, lower case and absolute.
func (a Answer) PTR() []string {
	var out []string
	for _, rr := range a.Records {
		if p, ok := rr.(*dns.PTR); ok {
			out = append(out, strings.ToLower(p.Ptr))
		}
	}
	return out
}

// LookupError is a lookup that got no usable answer.
type LookupError struct {
	Name   string // the name asked
	Type   uint16 // the type asked
	Status Status // ServFail, Refused, Timeout or Failed
	Err    error  // the transport error, if any
}

// Error reads "TXT _spf.example.com.: SERVFAIL".
func (e *LookupError) Error() string {
	s := fmt.Sprintf("%s %s: %s", dns.TypeToString[e.Type], e.Name, e.Status)
	if e.Err != nil && e.Status != Timeout {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the transport error.
func (e *LookupError) Unwrap() error { return e.Err }

// Defaults of DNSResolver, set by NewResolver.
const (
	// DefaultQueryTimeout bounds one attempt of one query.
	DefaultQueryTimeout = 3 * time.Second
	// DefaultAttempts is how many times a query that timed out is sent.
	DefaultAttempts = 2
)

// resolvConf is where NewResolver finds the system resolver.
var resolvConf = "/etc/resolv.conf"

// DNSResolver asks one recursive resolver over UDP with RD=1 and EDNS0,
// retrying over TCP when the reply is truncated. It remembers every answer
// (and every failure) for its lifetime, so one run asks each name and type
// once however many domains share it; concurrent askers of the same question
// wait for one query. Use one DNSResolver per run.
type DNSResolver struct {
	// Server is the resolver's address, host:port.
	Server string
	// QueryTimeout bounds one attempt (UDP, then TCP if truncated).
	QueryTimeout time.Duration
	// Attempts is how many times a query is sent before it counts as timed out.
	Attempts int

	queries atomic.Int64
	mu      sync.Mutex
	cache   map[cacheKey]*cached
}

type cacheKey struct {
	name  string
	qtype uint16
}

type cached struct {
	done chan struct{}
	ans  Answer
	err  error
}

// NewResolver returns a DNSResolver asking server (host:port, or a host for
// port 53). An empty server means the first nameserver of /etc/resolv.conf.
func NewResolver(server string) (*DNSResolver, error) {
	if server == "" {
		cc, err := dns.ClientConfigFromFile(resolvConf)
		if err != nil {
			return nil, fmt.Errorf("default resolver: %w", err)
		}
		if len(cc.Servers) == 0 {
			return nil, fmt.Errorf("default resolver: no nameserver in %s", resolvConf)
		}
		server = net.JoinHostPort(cc.Servers[0], cc.Port)
	} else if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	return &DNSResolver{
		Server:       server,
		QueryTimeout: DefaultQueryTimeout,
		Attempts:     DefaultAttempts,
		cache:        map[cacheKey]*cached{},
	}, nil
}

// Queries returns how many distinct questions were sent to the resolver so far
// (retries and TCP fallbacks not counted separately).
func (r *DNSResolver) Queries() int64 { return r.queries.Load() }

// Lookup implements Resolver, answering from the run's cache when it can.
func (r *DNSResolver) Lookup(ctx context.Context, name string, qtype uint16) (Answer, error) {
	name = dns.CanonicalName(name)
	key := cacheKey{name, qtype}
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[cacheKey]*cached{}
	}
	c, ok := r.cache[key]
	if !ok {
		c = &cached{done: make(chan struct{})}
		r.cache[key] = c
	}
	r.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			return c.ans, c.err
		case <-ctx.Done():
			return Answer{Name: name, Type: qtype, Status: Failed}, &LookupError{name, qtype, Failed, ctx.Err()}
		}
	}
	c.ans, c.err = r.exchange(ctx, name, qtype)
	if ctx.Err() != nil {
		// A cancelled run must not leave its failure for a later caller.
		r.mu.Lock()
		delete(r.cache, key)
		r.mu.Unlock()
	}
	close(c.done)
	return c.ans, c.err
}

// exchange sends one question, retrying on timeout and over TCP on truncation.
func (r *DNSResolver) exchange(ctx context.Context, name string, qtype uint16) (Answer, error) {
	r.queries.Add(1)
	ans := Answer{Name: name, Type: qtype}
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.SetEdns0(1232, false)
	timeout := r.QueryTimeout
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	attempts := max(r.Attempts, 1)
	var reply *dns.Msg
	var err error
	for i := 0; i < attempts; i++ {
		udp := &dns.Client{Net: "udp", Timeout: timeout, UDPSize: 1232}
		reply, _, err = udp.ExchangeContext(ctx, q, r.Server)
		if err == nil && reply.Truncated {
			tcp := &dns.Client{Net: "tcp", Timeout: timeout}
			reply, _, err = tcp.ExchangeContext(ctx, q, r.Server)
		}
		if err == nil || !isTimeout(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		ans.Status = Failed
		if isTimeout(err) {
			ans.Status = Timeout
		}
		return ans, &LookupError{name, qtype, ans.Status, err}
	}
	return classify(ans, reply)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// classify turns a reply into an Answer: the CNAME chain from the question
// and the records of the type asked at its end.
func classify(ans Answer, reply *dns.Msg) (Answer, error) {
	switch reply.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	case dns.RcodeServerFailure:
		ans.Status = ServFail
		return ans, &LookupError{ans.Name, ans.Type, ServFail, nil}
	default:
		ans.Status = Refused
		return ans, &LookupError{ans.Name, ans.Type, Refused, fmt.Errorf("rcode %s", dns.RcodeToString[reply.Rcode])}
	}
	owner := ans.Name
	for range 16 { // follow at most 16 aliases, as resolvers do
		var next string
		for _, rr := range reply.Answer {
			if dns.CanonicalName(rr.Header().Name) == owner && rr.Header().Rrtype == dns.TypeCNAME && ans.Type != dns.TypeCNAME {
				next = dns.CanonicalName(rr.(*dns.CNAME).Target)
				ans.Records = append(ans.Records, rr)
				break
			}
		}
		if next == "" {
			break
		}
		owner = next
	}
	for _, rr := range reply.Answer {
		if dns.CanonicalName(rr.Header().Name) == owner && rr.Header().Rrtype == ans.Type {
			ans.Records = append(ans.Records, rr)
		}
	}
	switch {
	case len(ans.Records) > len(ans.CNAMEs()) || (ans.Type == dns.TypeCNAME && len(ans.Records) > 0):
		ans.Status = Found
	case reply.Rcode == dns.RcodeNameError:
		ans.Status = NXDomain
	default:
		ans.Status = NoData
	}
	return ans, nil
}
