package bindtest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// pickAddr turns Options.Addr into "ip:port", finding a free port when none is
// given.
func pickAddr(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1"
	}
	host, port := addr, "0"
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("address %q: need an IP literal: %v", addr, err)
	}
	if err := ensureLocal(ip); err != nil {
		return "", err
	}
	if port != "0" && port != "" {
		return net.JoinHostPort(ip.String(), port), nil
	}
	for range 50 {
		// A port free for both TCP and UDP, since named binds both.
		l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		if err != nil {
			return "", fmt.Errorf("address %s: %w", ip, err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort(ip.String(), strconv.Itoa(p)))
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return net.JoinHostPort(ip.String(), strconv.Itoa(p)), nil
	}
	return "", fmt.Errorf("address %s: no free port for both TCP and UDP", ip)
}

// zoneFile is the file, in the server's directory, holding the zone.
func (s *Server) zoneFile() string {
	return filepath.Join(s.Dir, strings.TrimSuffix(s.Zone, ".")+".db")
}

// writeZone writes a primary's zone file: SOA, NS and glue for ns1 (this server),
// then the seed records. Later secondaries are added by UPDATE.
func (s *Server) writeZone(seed []rrset.RRset) error {
	glue, err := glueRR(s.NSName(), s.IP())
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "$TTL 300\n")
	fmt.Fprintf(&b, "%s %d IN SOA %s hostmaster.%s 1 3600 5 86400 %d\n", s.Zone, s.negTTL, s.NSName(), s.Zone, s.negTTL)
	fmt.Fprintf(&b, "%s 300 IN NS %s\n", s.Zone, s.NSName())
	fmt.Fprintf(&b, "%s\n", glue)
	sets := append([]rrset.RRset(nil), seed...)
	sort.Slice(sets, func(i, j int) bool { return sets[i].Key().String() < sets[j].Key().String() })
	for _, set := range sets {
		for _, v := range set.Values {
			if set.Type == "TXT" {
				v = rrset.QuoteTXT(v)
			}
			fmt.Fprintf(&b, "%s %d IN %s %s\n", rrset.Absolute(set.Name, s.Zone), set.TTL, set.Type, v)
		}
	}
	return os.WriteFile(s.zoneFile(), []byte(b.String()), 0o644)
}

// writeExtraZone writes one of a primary's further zones: SOA and NS, with
// the server's NS name (in its own zone) as the target.
func (s *Server) writeExtraZone(zone string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "$TTL 300\n%s 300 IN SOA %s hostmaster.%s 1 3600 5 86400 300\n%s 300 IN NS %s\n", zone, s.NSName(), zone, zone, s.NSName())
	return os.WriteFile(filepath.Join(s.Dir, strings.TrimSuffix(zone, ".")+".db"), []byte(b.String()), 0o644)
}

// glueRR is the A (or AAAA) record for an NS name.
func glueRR(name, ip string) (dns.RR, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, err
	}
	if a.Is4() {
		return &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: a.AsSlice()}, nil
	}
	return &dns.AAAA{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeAAAA, Class: dns.ClassINET, Ttl: 300}, AAAA: a.AsSlice()}, nil
}

// writeConf writes named.conf for the server's role.
func (s *Server) writeConf() error {
	host, port, _ := net.SplitHostPort(s.Addr)
	listen := fmt.Sprintf("listen-on port %s { %s; };\n\tlisten-on-v6 { none; };", port, host)
	if a, _ := netip.ParseAddr(host); a.Is6() {
		listen = fmt.Sprintf("listen-on { none; };\n\tlisten-on-v6 port %s { %s; };", port, host)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `options {
	directory %[1]q;
	pid-file %[2]q;
	session-keyfile %[3]q;
	managed-keys-directory %[1]q;
	%[4]s
	recursion no;
	dnssec-validation no;
	automatic-interface-scan no;
	notify-source %[5]s;
	transfer-source %[5]s;
	query-source address %[5]s;
	// Secondaries retry a failed refresh within seconds, not BIND's minutes.
	min-refresh-time 1;
	min-retry-time 1;
	max-retry-time 2;
};
// No rndc: tests talk to named with signals and DNS only.
controls { };
key %[6]q {
	algorithm %[7]s;
	secret %[8]q;
};
`, s.Dir, filepath.Join(s.Dir, "named.pid"), filepath.Join(s.Dir, "session.key"), listen, host,
		strings.TrimSuffix(s.Key.Name, "."), s.Key.Algorithm, s.Key.Secret)

	zone := strings.TrimSuffix(s.Zone, ".")
	switch s.Role {
	case Primary:
		s.mu.Lock()
		var notify []string
		for _, sec := range s.secondaries {
			h, p, _ := net.SplitHostPort(sec.Addr)
			notify = append(notify, fmt.Sprintf("%s port %s;", h, p))
		}
		s.mu.Unlock()
		// notify explicit: only the also-notify list, at its ports; the
		// secondaries' NS records name port 53, which they may not listen on.
		notifyConf := "notify no;"
		if len(notify) > 0 {
			notifyConf = "notify explicit;\n\talso-notify { " + strings.Join(notify, " ") + " };"
		}
		fmt.Fprintf(&b, `zone %q {
	type primary;
	file %q;
	allow-update { key %q; };
	allow-transfer { key %q; };
	%s
	notify-delay %d;
};
`, zone, s.zoneFile(), s.Key.Name, s.Key.Name, notifyConf, int(s.notifyDelay/time.Second))
		for _, z := range s.MoreZones {
			fmt.Fprintf(&b, "zone %q {\n\ttype primary;\n\tfile %q;\n\tallow-update { key %q; };\n\tallow-transfer { key %q; };\n\tnotify no;\n};\n",
				strings.TrimSuffix(z, "."), filepath.Join(s.Dir, strings.TrimSuffix(z, ".")+".db"), s.Key.Name, s.Key.Name)
		}
	case Secondary:
		h, p, _ := net.SplitHostPort(s.primary.Addr)
		fmt.Fprintf(&b, `zone %q {
	type secondary;
	file %q;
	masterfile-format text;
	primaries { %s port %s key %q; };
	allow-notify { %s; };
	notify no;
};
`, zone, s.zoneFile(), h, p, s.Key.Name, h)
	case Lame:
		// No zone: every question about it is REFUSED.
	}
	return os.WriteFile(filepath.Join(s.Dir, "named.conf"), []byte(b.String()), 0o644)
}

// addSecondary publishes sec in the primary's zone (NS and glue, by UPDATE) and
// adds it to also-notify, reloading the configuration with SIGHUP.
func (s *Server) addSecondary(sec *Server) error {
	if !s.Running() {
		return errors.New("primary is not running")
	}
	s.mu.Lock()
	sec.nsName = fmt.Sprintf("ns%d", len(s.secondaries)+2)
	s.secondaries = append(s.secondaries, sec)
	s.mu.Unlock()

	glue, err := glueRR(sec.NSName(), sec.IP())
	if err != nil {
		return err
	}
	m := new(dns.Msg)
	m.SetUpdate(s.Zone)
	m.Insert([]dns.RR{
		&dns.NS{Hdr: dns.RR_Header{Name: s.Zone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: sec.NSName()},
		glue,
	})
	if err := s.send(m); err != nil {
		return fmt.Errorf("publish %s: %w", sec.NSName(), err)
	}
	if err := s.writeConf(); err != nil {
		return err
	}
	return s.reload()
}

// reload makes a running named read its configuration again (SIGHUP) and waits
// until it says it did.
func (s *Server) reload() error {
	mark := s.log.len()
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		out := s.log.since(mark)
		switch {
		case strings.Contains(out, "reloading configuration failed"):
			return fmt.Errorf("reload failed:\n%s", out)
		case strings.Contains(out, "reloading zones succeeded"):
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("no reload after %v", readyTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send signs m with the server's key and sends it over TCP, failing on any
// rcode other than NOERROR.
func (s *Server) send(m *dns.Msg) error {
	name := dns.Fqdn(s.Key.Name)
	m.SetTsig(name, TSIGAlgorithm(s.Key.Algorithm), 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{name: s.Key.Secret}}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		return err
	}
	if r.Rcode != dns.RcodeSuccess {
		return fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])
	}
	return nil
}

// TSIGAlgorithm maps a BIND algorithm name ("hmac-sha256") to the name
// github.com/miekg/dns uses ("hmac-sha256.").
func TSIGAlgorithm(name string) string {
	switch strings.ToLower(strings.TrimSuffix(name, ".")) {
	case "hmac-md5", "hmac-md5.sig-alg.reg.int":
		return dns.HmacMD5
	default:
		return dns.Fqdn(strings.ToLower(name))
	}
}

// ensureLocal makes sure ip is an address of this host, since named listens only
// on addresses that an interface has. Linux routes all of 127.0.0.0/8 to lo but
// lo holds only 127.0.0.1, so another loopback address is added to lo (as root)
// and left there for other tests to share.
func ensureLocal(ip netip.Addr) error {
	if hasAddr(ip) {
		return nil
	}
	hint := fmt.Sprintf("named listens only on interface addresses; add it with: sudo ip addr add %s/32 dev lo", ip)
	if !ip.Is4() || !ip.IsLoopback() || runtime.GOOS != "linux" {
		return fmt.Errorf("address %s is not on this host: %s", ip, hint)
	}
	out, err := exec.Command("ip", "addr", "add", ip.String()+"/32", "dev", "lo").CombinedOutput()
	if err != nil && !hasAddr(ip) {
		return fmt.Errorf("address %s: %s (%v: %s)", ip, hint, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func hasAddr(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if x, ok := netip.AddrFromSlice(n.IP); ok && x.Unmap() == ip {
				return true
			}
		}
	}
	return false
}
