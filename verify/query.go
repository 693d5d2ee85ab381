package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// errNoRoute marks a query that could not leave this machine because it has no
// route to the address (no IPv6 connectivity): such an address is skipped.
var errNoRoute = errors.New("no route")

// exchange sends one question to one address and returns the answer: UDP with
// EDNS0 (UDPSize), again over TCP when the answer is truncated. rd sets the
// Recursion Desired bit: off for authoritative servers, on for the resolver.
// With a Limiter, the UDP socket is one it keeps for the address, so a fleet
// run reuses one socket per question in flight instead of opening one per
// question; with nil, each question dials its own.
func exchange(ctx context.Context, l *Limiter, addr, name string, qtype uint16, rd bool, timeout time.Duration) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	m.SetEdns0(UDPSize, false)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &dns.Client{Net: "udp", UDPSize: UDPSize, Timeout: timeout}
	var (
		r   *dns.Msg
		err error
	)
	if l == nil {
		r, _, err = c.ExchangeContext(ctx, m, addr)
	} else {
		var co *dns.Conn
		if co, err = l.conn(addr, timeout); err == nil {
			r, _, err = c.ExchangeWithConnContext(ctx, m, co)
			l.done(addr, co, err)
		}
	}
	if err == nil && r.Truncated {
		c.Net = "tcp"
		r, _, err = c.ExchangeContext(ctx, m, addr)
		if err != nil {
			err = fmt.Errorf("over TCP after a truncated UDP answer: %w", err)
		}
	}
	if err != nil {
		return nil, classifyNetErr(addr, err)
	}
	if r.Id != m.Id {
		return nil, errors.New("answer with a wrong ID")
	}
	return r, nil
}

// classifyNetErr turns a failed exchange into a short reason. An IPv6 address
// this machine has no route to (the connect fails with ENETUNREACH or
// EADDRNOTAVAIL) wraps errNoRoute.
func classifyNetErr(addr string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL):
		if ap, perr := netip.ParseAddrPort(addr); perr == nil && ap.Addr().Unmap().Is6() {
			return fmt.Errorf("%w to %s: %v", errNoRoute, addr, err)
		}
		return errors.New("network unreachable")
	case errors.Is(err, syscall.EHOSTUNREACH):
		return errors.New("host unreachable")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return errors.New("timeout")
	case errors.Is(err, context.Canceled):
		return err
	}
	return err
}

// rcodeError is the reason an answer with a failing RCODE is no answer, or ""
// for NOERROR and NXDOMAIN.
func rcodeError(r *dns.Msg) string {
	switch r.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
		return ""
	case dns.RcodeRefused:
		return "REFUSED"
	case dns.RcodeServerFailure:
		return "SERVFAIL"
	case dns.RcodeNotAuth:
		return "NOTAUTH"
	}
	if s, ok := dns.RcodeToString[r.Rcode]; ok {
		return s
	}
	return fmt.Sprintf("RCODE %d", r.Rcode)
}
