package lint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const resolverZone = `
a.example.         300 IN A     192.0.2.1
a.example.         300 IN AAAA  2001:db8::1
alias.example.     300 IN CNAME hop.example.
hop.example.       300 IN CNAME a.example.
dangling.example.  300 IN CNAME gone.example.
txt.example.       300 IN TXT   "v=spf1 " "ip4:192.0.2.1 -all"
esc.example.       300 IN TXT   "quote\" back\\ byte\128"
x.sub.example.     300 IN A     192.0.2.2
*.wild.example.    300 IN TXT   "v=DMARC1"
wild.example.      300 IN MX    10 a.example.
`

func TestResolverClassifies(t *testing.T) {
	srv := newTestDNS(t, resolverZone)
	srv.failName("broken.example.", dns.RcodeServerFailure)
	srv.failName("refused.example.", dns.RcodeRefused)
	r := srv.resolver(t)
	tests := []struct {
		name   string
		qtype  uint16
		status Status
		err    string
		want   string // the answer's data, via Answer methods
	}{
		{"a.example", dns.TypeA, Found, "", "addrs [192.0.2.1]"},
		{"A.Example.", dns.TypeAAAA, Found, "", "addrs [2001:db8::1]"},
		{"a.example", dns.TypeMX, NoData, "", ""},
		{"sub.example", dns.TypeA, NoData, "", ""}, // empty non-terminal
		{"nope.example", dns.TypeA, NXDomain, "", ""},
		{"alias.example", dns.TypeA, Found, "", "cnames [hop.example. a.example.] addrs [192.0.2.1]"},
		{"alias.example", dns.TypeCNAME, Found, "", "cnames [hop.example.]"},
		{"dangling.example", dns.TypeA, NXDomain, "", "cnames [gone.example.]"},
		{"txt.example", dns.TypeTXT, Found, "", `txt ["v=spf1 ip4:192.0.2.1 -all"]`},
		{"esc.example", dns.TypeTXT, Found, "", `txt ["quote\" back\\ byte\x80"]`},
		{"foo.wild.example", dns.TypeTXT, Found, "", `txt ["v=DMARC1"]`},
		{"wild.example", dns.TypeTXT, NoData, "", ""},
		{"broken.example", dns.TypeTXT, ServFail, "TXT broken.example.: SERVFAIL", ""},
		{"refused.example", dns.TypeTXT, Refused, "TXT refused.example.: REFUSED: rcode REFUSED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			ans, err := r.Lookup(context.Background(), tt.name, tt.qtype)
			if ans.Status != tt.status {
				t.Errorf("status %s, want %s", ans.Status, tt.status)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				var le *LookupError
				if !errors.As(err, &le) || le.Status != tt.status {
					t.Errorf("error %v is not a *LookupError with status %s", err, tt.status)
				}
			}
			if gotErr != tt.err {
				t.Errorf("error %q, want %q", gotErr, tt.err)
			}
			if got := describe(ans); got != tt.want {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			if ans.Void() != (tt.status == NoData || tt.status == NXDomain) {
				t.Errorf("Void() = %v for %s", ans.Void(), ans.Status)
			}
		})
	}
}

func describe(a Answer) string {
	var parts []string
	if c := a.CNAMEs(); len(c) > 0 {
		parts = append(parts, fmt.Sprint("cnames ", c))
	}
	if x := a.Addrs(); len(x) > 0 {
		parts = append(parts, fmt.Sprint("addrs ", x))
	}
	if x := a.TXT(); len(x) > 0 {
		parts = append(parts, fmt.Sprintf("txt %q", x))
	}
	return strings.Join(parts, " ")
}

func TestResolverCachesAndCountsQueries(t *testing.T) {
	srv := newTestDNS(t, resolverZone)
	srv.failName("broken.example.", dns.RcodeServerFailure)
	r := srv.resolver(t)
	ctx := context.Background()
	done := make(chan struct{})
	for range 20 { // concurrent askers of one question share one query
		go func() {
			r.Lookup(ctx, "a.example", dns.TypeA)
			done <- struct{}{}
		}()
	}
	for range 20 {
		<-done
	}
	r.Lookup(ctx, "A.EXAMPLE.", dns.TypeA)
	r.Lookup(ctx, "a.example", dns.TypeAAAA)
	r.Lookup(ctx, "broken.example", dns.TypeTXT)
	r.Lookup(ctx, "broken.example", dns.TypeTXT) // failures are remembered too
	if got := r.Queries(); got != 3 {
		t.Errorf("Queries() = %d, want 3", got)
	}
	if got := srv.queries.Load(); got != 3 {
		t.Errorf("server saw %d queries, want 3", got)
	}
}

func TestResolverFallsBackToTCP(t *testing.T) {
	var zone strings.Builder
	for i := range 12 {
		fmt.Fprintf(&zone, "big.example. 300 IN TXT \"%03d %s\"\n", i, strings.Repeat("x", 200))
	}
	srv := newTestDNS(t, zone.String())
	ans, err := srv.resolver(t).Lookup(context.Background(), "big.example", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ans.TXT()); n != 12 {
		t.Errorf("got %d TXT records over TCP, want all 12", n)
	}
	if got := srv.queries.Load(); got != 2 {
		t.Errorf("server saw %d queries, want 2 (UDP truncated, then TCP)", got)
	}
}

func TestResolverTimeout(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // never answers
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	r, err := NewResolver(pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	r.QueryTimeout = 50 * time.Millisecond
	ans, err := r.Lookup(context.Background(), "x.example", dns.TypeA)
	if ans.Status != Timeout {
		t.Errorf("status %s, want timeout", ans.Status)
	}
	if want := "A x.example.: timeout"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestNewResolverAddress(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("search example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := resolvConf
	resolvConf = conf
	t.Cleanup(func() { resolvConf = old })
	tests := map[string]string{
		"":                "192.0.2.53:53",
		"127.0.0.1:5353":  "127.0.0.1:5353",
		"127.0.0.1":       "127.0.0.1:53",
		"2001:db8::53":    "[2001:db8::53]:53",
		"[2001:db8::53]":  "[2001:db8::53]:53",
		"[::1]:5353":      "[::1]:5353",
		"resolver.test":   "resolver.test:53",
		"resolver.test:1": "resolver.test:1",
	}
	got := map[string]string{}
	for in := range tests {
		r, err := NewResolver(in)
		if err != nil {
			t.Fatalf("NewResolver(%q): %v", in, err)
		}
		got[in] = r.Server
	}
	if !reflect.DeepEqual(got, tests) {
		t.Errorf("servers %v, want %v", got, tests)
	}
}
