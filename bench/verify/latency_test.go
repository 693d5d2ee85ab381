// Package verifybench measures how soon verify reports a change verified once the
// last nameserver has it. It is a measurement, not a test: it runs only with
// VERIFY_BENCH=1.
//
//	VERIFY_BENCH=1 go test ./bench/verify -run TestLatency -v -count=1
//
// It starts a BIND primary and secondary (bindtest), and for each run applies a
// change on the primary with a TSIG UPDATE and runs verify.Verify at once, as
// `mailzone apply` does. The primary's notify delay holds the secondary back for
// up to NotifyDelay, so verify has to poll while the secondary lags. The figure
// is the time from the secondary's "Transfer completed" log line (its own
// millisecond timestamp) to Verify returning verified.
package verifybench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/verify"
)

const (
	zone        = "example.com."
	runs        = 10
	notifyDelay = 2 * time.Second
)

func TestLatency(t *testing.T) {
	if os.Getenv("VERIFY_BENCH") == "" {
		t.Skip("a measurement: set VERIFY_BENCH=1 to run")
	}
	port := freePort(t)
	seed := []rrset.RRset{rrset.New(zone, "@", "TXT", 300, "v=spf1 -all")}
	p := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, Records: seed, NotifyDelay: notifyDelay, Addr: "127.0.0.1:" + port})
	s := bindtest.StartSecondary(t, p, bindtest.Options{Addr: "127.0.0.2:" + port})
	s.WaitSerial(t, p.Serial(t), 10*time.Second)

	var lat, lat2, lag []time.Duration
	prev := "v=spf1 -all"
	for i := range runs {
		// A random pause puts the change at a random point of the notify delay.
		time.Sleep(time.Duration(rand.Int64N(int64(notifyDelay))))
		next := fmt.Sprintf("v=spf1 ip4:192.0.2.%d -all", i+1)
		n := s.CountLog(bindtest.TransferCompleted)
		seen := watch(s.Addr, next)
		update(t, p, prev, next)
		start := time.Now()
		recs := []verify.Record{{Field: "spf", Set: rrset.New(zone, "@", "TXT", 300, next)}}
		res, err := verify.Verify(context.Background(), zone, recs, verify.Options{Resolver: p.Addr, Port: port, Timeout: 30 * time.Second})
		done := time.Now()
		if err != nil || !res.Verified {
			t.Fatalf("run %d: %v\n%s", i, err, res.Matrix())
		}
		s.WaitLog(t, bindtest.TransferCompleted, n+1, 10*time.Second)
		at := transferTime(t, s, n+1)
		served := <-seen
		lat = append(lat, done.Sub(at))
		lat2 = append(lat2, done.Sub(served))
		lag = append(lag, at.Sub(start))
		t.Logf("run %2d: secondary transferred %v after the change (log), served it %v after the change (5ms probe); verified %v after the log line, %v after the probe saw it", i+1,
			at.Sub(start).Round(time.Millisecond), served.Sub(start).Round(time.Millisecond), done.Sub(at).Round(time.Millisecond), done.Sub(served).Round(time.Millisecond))
		prev = next
	}
	slices.Sort(lat)
	fmt.Printf("verify latency, secondary's \"Transfer completed\" to verified, %d runs (notify delay %v, lag median %v):\n",
		runs, notifyDelay, median(lag).Round(time.Millisecond))
	fmt.Printf("  median %v  max %v  min %v\n", median(lat).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), lat[0].Round(time.Millisecond))
	slices.Sort(lat2)
	fmt.Printf("from the secondary first serving the change (a probe every 5ms) to verified:\n  median %v  max %v  min %v\n",
		median(lat2).Round(time.Millisecond), lat2[len(lat2)-1].Round(time.Millisecond), lat2[0].Round(time.Millisecond))
	if lat[len(lat)-1] > time.Second {
		t.Errorf("max latency %v exceeds the 1s target", lat[len(lat)-1])
	}
}

// watch asks addr for the apex TXT every 5ms and sends the time it first serves
// want.
func watch(addr, want string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		c := &dns.Client{Timeout: time.Second}
		for {
			m := new(dns.Msg)
			m.SetQuestion(zone, dns.TypeTXT)
			m.RecursionDesired = false
			if r, _, err := c.Exchange(m, addr); err == nil {
				for _, rr := range r.Answer {
					if txt, ok := rr.(*dns.TXT); ok && strings.Join(txt.Txt, "") == want {
						ch <- time.Now()
						return
					}
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return ch
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

// transferTime is the timestamp of the secondary's nth "Transfer completed" line
// ("24-Nov-2026 21:08:06.839 transfer of ..."), in local time as named logs it.
func transferTime(t *testing.T, s *bindtest.Server, nth int) time.Time {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(s.Log()))
	sc.Buffer(nil, 1<<20)
	k := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, bindtest.TransferCompleted) {
			continue
		}
		if k++; k < nth {
			continue
		}
		f := strings.Fields(line)
		at, err := time.ParseInLocation("02-Jan-2006 15:04:05.000", f[0]+" "+f[1], time.Local)
		if err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		return at
	}
	t.Fatalf("no transfer line %d", nth)
	return time.Time{}
}

// update replaces the apex SPF record on the primary with a TSIG-signed UPDATE.
func update(t *testing.T, p *bindtest.Server, prev, next string) {
	t.Helper()
	del, err := dns.NewRR(zone + " 300 IN TXT " + rrset.QuoteTXT(prev))
	if err != nil {
		t.Fatal(err)
	}
	add, err := dns.NewRR(zone + " 300 IN TXT " + rrset.QuoteTXT(next))
	if err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetUpdate(zone)
	m.Remove([]dns.RR{del})
	m.Insert([]dns.RR{add})
	name := dns.Fqdn(p.Key.Name)
	m.SetTsig(name, bindtest.TSIGAlgorithm(p.Key.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{name: p.Key.Secret}}
	r, _, err := c.Exchange(m, p.Addr)
	if err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("update: %v %v", err, r)
	}
}

// freePort returns a port free for UDP and TCP on 127.0.0.1 and 127.0.0.2.
func freePort(t *testing.T) string {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		l.Close()
		ok := true
		for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
			a := net.JoinHostPort(ip, port)
			tl, err := net.Listen("tcp", a)
			if err != nil {
				ok = false
				break
			}
			tl.Close()
			u, err := net.ListenPacket("udp", a)
			if err != nil {
				ok = false
				break
			}
			u.Close()
		}
		if ok {
			return port
		}
	}
	t.Skip("no port free on 127.0.0.1 and 127.0.0.2 (ip addr add 127.0.0.2/32 dev lo)")
	return ""
}
