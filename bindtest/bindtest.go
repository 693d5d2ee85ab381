// Package bindtest starts real BIND 9 name servers on loopback for tests.
//
// mailzone's RFC 2136 provider and its propagation checks are only worth something if
// they hold against the server people actually run, with its TSIG checks, its update
// semantics (the TTL of an RRset, CNAME-and-other-data rules) and its NOTIFY/IXFR lag
// between primary and secondaries. Fakes get those details wrong in exactly the places
// that matter, so tests here run `named` itself: each server gets its own temporary
// directory, configuration and port, runs in the foreground (-g) with its log
// captured, and is stopped by t.Cleanup.
//
// A primary ([StartPrimary]) serves one zone from the seed records, takes
// TSIG-signed UPDATE and AXFR/IXFR for one key, and NOTIFYs its secondaries. A
// secondary ([StartSecondary]) is fed by NOTIFY and IXFR from a primary. A lame
// server ([StartLame]) answers but is not authoritative for the zone. The zone's NS
// records name in-zone hosts (ns1, ns2, ...) whose glue A records hold the servers'
// addresses, so name-server discovery can run against these servers unchanged.
//
// When named is not installed the tests are skipped, except under CI=true, where
// that is a failure.
package bindtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailzone/mailzone/rrset"
)

// InstallHint says how to get named on Debian and Ubuntu.
const InstallHint = "apt-get install -y bind9 bind9-utils dnsutils"

// DefaultZone is the zone served when Options.Zone is empty.
const DefaultZone = "example.com"

// Key is a TSIG key shared by a test server and its clients.
type Key struct {
	// Name is the key name, such as "mailzone-test" (no trailing dot needed).
	Name string
	// Algorithm is the BIND name of the HMAC, such as "hmac-sha256".
	Algorithm string
	// Secret is the base64 key material.
	Secret string
}

// DefaultKey is the TSIG key used when Options.Key is zero.
var DefaultKey = Key{
	Name:      "mailzone-test",
	Algorithm: "hmac-sha256",
	Secret:    "bWFpbHpvbmUtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=",
}

// Options configures a server. The zero value is usable.
type Options struct {
	// Zone is the zone served (primary, secondary) or refused (lame); DefaultZone
	// when empty. A secondary always serves its primary's zone.
	Zone string
	// Records seeds a primary's zone, besides the SOA, NS and glue records bindtest
	// adds (SOA at the apex, NS ns1, ns2, ... and their A records).
	Records []rrset.RRset
	// Key is the TSIG key that may UPDATE and transfer the zone; DefaultKey when
	// zero. A secondary uses its primary's key.
	Key Key
	// NotifyDelay is the primary's notify-delay, in whole seconds: BIND sends the
	// NOTIFYs for a zone at least this far apart, so a change made soon after
	// another (or soon after the NOTIFY BIND sends on loading the zone) reaches
	// the secondaries up to this late. Zero notifies at once (BIND's own default
	// is 5s).
	NotifyDelay time.Duration
	// NegativeTTL, when set, is the SOA's TTL and MINIMUM (whole seconds), so
	// the zone's negative-caching time (RFC 2308) is this short; default 300s.
	NegativeTTL time.Duration
	// MoreZones are further zones a primary serves, each with only its SOA,
	// NS and glue records and the same key: a fleet on one named process.
	// Secondaries serve only Zone.
	MoreZones []string
	// Addr is where the server listens: "ip" or "ip:port". Empty means 127.0.0.1;
	// a missing or zero port means a free one. named listens only on addresses an
	// interface holds: another 127.0.0.0/8 address is added to lo when the test
	// runs as root on Linux (ip addr add 127.0.0.2/32 dev lo), else it must be
	// added beforehand.
	Addr string
}

// Role says what kind of server a Server is.
type Role string

// The roles of a test server.
const (
	Primary   Role = "primary"
	Secondary Role = "secondary"
	Lame      Role = "lame"
)

// Server is one running (or stopped) named process.
type Server struct {
	// Addr is the address the server listens on, "ip:port", for UDP and TCP.
	Addr string
	// Dir is the server's working directory: named.conf, zone files, journal and
	// named.log (the full log of every run).
	Dir string
	// Zone is the zone, absolute with a trailing dot.
	Zone string
	// Key is the TSIG key the zone accepts for UPDATE and transfers.
	Key Key
	// Role says whether this is a primary, secondary or lame server.
	Role Role
	// MoreZones are the primary's further zones (see Options.MoreZones),
	// absolute.
	MoreZones []string

	notifyDelay time.Duration
	negTTL      int     // SOA TTL and MINIMUM, seconds
	primary     *Server // for a secondary
	nsName      string  // in-zone name of this server's NS record ("ns1")

	mu          sync.Mutex
	secondaries []*Server // for a primary: also-notify targets
	cmd         *exec.Cmd
	done        chan struct{} // closed when cmd exits
	log         *logBuffer
	// movable: the port was picked here and nothing refers to it before the
	// first start, so a start that finds it taken may pick another.
	movable bool
}

// StartPrimary starts a primary for o.Zone seeded with o.Records, and returns once
// it answers SOA queries. The server is stopped when the test ends.
func StartPrimary(t testing.TB, o Options) *Server {
	t.Helper()
	s := newServer(t, Primary, o)
	s.nsName = "ns1"
	if err := s.writeZone(o.Records); err != nil {
		t.Fatalf("bindtest: %v", err)
	}
	for _, z := range s.MoreZones {
		if err := s.writeExtraZone(z); err != nil {
			t.Fatalf("bindtest: %v", err)
		}
	}
	s.startOrFail(t)
	return s
}

// StartSecondary starts a secondary of primary, fed by NOTIFY and IXFR/AXFR with
// the primary's TSIG key, and returns once it serves the zone. It adds the
// secondary to the primary's also-notify list (reloading the primary's
// configuration) and publishes it in the zone as nsN with a glue A record, by a
// TSIG-signed UPDATE on the primary, which bumps the zone's serial.
func StartSecondary(t testing.TB, primary *Server, o Options) *Server {
	t.Helper()
	if primary == nil || primary.Role != Primary {
		t.Fatalf("bindtest: StartSecondary needs a primary")
	}
	o.Zone, o.Key = primary.Zone, primary.Key
	s := newServer(t, Secondary, o)
	s.primary = primary
	if err := primary.addSecondary(s); err != nil {
		t.Fatalf("bindtest: add secondary to primary: %v", err)
	}
	s.startOrFail(t)
	return s
}

// StartLame starts a server that answers queries but serves no zone: asked about
// o.Zone it answers REFUSED, as a lame delegation does.
func StartLame(t testing.TB, o Options) *Server {
	t.Helper()
	s := newServer(t, Lame, o)
	s.startOrFail(t)
	return s
}

// NamedPath returns the path of the named binary: $BINDTEST_NAMED, named on
// $PATH, or /usr/sbin/named (not on a normal user's PATH on Debian).
func NamedPath() (string, error) {
	if p := os.Getenv("BINDTEST_NAMED"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("BINDTEST_NAMED: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("named"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/named", "/usr/local/sbin/named"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("named not found")
}

// Require skips the test when named is not installed, or fails it under CI=true.
// The Start functions call it; call it first to skip before other setup.
func Require(t testing.TB) string {
	t.Helper()
	p, err := NamedPath()
	if err == nil {
		return p
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("bindtest: %v, and CI is set: %s", err, InstallHint)
	}
	t.Skipf("%v: %s", err, InstallHint)
	return ""
}

func newServer(t testing.TB, role Role, o Options) *Server {
	t.Helper()
	Require(t)
	if o.Zone == "" {
		o.Zone = DefaultZone
	}
	if o.Key == (Key{}) {
		o.Key = DefaultKey
	}
	addr, err := pickAddr(o.Addr)
	if err != nil {
		t.Fatalf("bindtest: %v", err)
	}
	_, port, _ := net.SplitHostPort(o.Addr)
	s := &Server{
		Addr:        addr,
		movable:     role != Secondary && (port == "" || port == "0"),
		Dir:         t.TempDir(),
		Zone:        rrset.Absolute(o.Zone, "."),
		Key:         o.Key,
		Role:        role,
		notifyDelay: o.NotifyDelay,
		negTTL:      300,
		MoreZones:   absolute(o.MoreZones),
		log:         &logBuffer{},
	}
	if o.NegativeTTL > 0 {
		s.negTTL = int(o.NegativeTTL / time.Second)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bindtest: %s %s log (last lines of %s):\n%s", s.Role, s.Addr, filepath.Join(s.Dir, "named.log"), s.log.tail(40))
		}
		s.Stop()
	})
	return s
}

// IP returns the address part of s.Addr.
func (s *Server) IP() string {
	host, _, _ := strings.Cut(s.Addr, ":")
	return host
}

// NSName returns the absolute in-zone name that the zone's NS record uses for this
// server ("ns1.example.com."), or "" for a lame server.
func (s *Server) NSName() string {
	if s.nsName == "" {
		return ""
	}
	return s.nsName + "." + s.Zone
}

// Start starts a stopped server again with the same directory, configuration and
// address, and waits until it answers. A primary keeps the changes made by UPDATE
// (they are in its journal); a secondary reloads its last transferred copy and
// then checks the primary's serial.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	s.startOrFail(t)
}

// Running reports whether the named process is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running()
}

func (s *Server) running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 seconds) and waits for it
// to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil || done == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
