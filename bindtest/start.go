package bindtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

func (s *Server) startOrFail(t testing.TB) {
	t.Helper()
	start := time.Now()
	err := s.start()
	// The port was free when picked, but another process (a parallel test
	// package) may take it before named binds it. A server nothing refers to
	// yet (a primary before its secondaries, a lame server) moves to another
	// port and starts again.
	for try := 0; err != nil && try < 3 && s.movable && strings.Contains(s.log.tail(30), "unable to listen on any configured interfaces"); try++ {
		host, _, _ := net.SplitHostPort(s.Addr)
		addr, perr := pickAddr(host)
		if perr != nil {
			break
		}
		t.Logf("bindtest: %s could not listen on %s (taken since it was picked); moving to %s", s.Role, s.Addr, addr)
		s.Addr = addr
		err = s.start()
	}
	if err != nil {
		t.Fatalf("bindtest: start %s on %s: %v\n%s", s.Role, s.Addr, err, s.log.tail(30))
	}
	t.Logf("bindtest: %s for %s on %s ready in %v (dir %s)", s.Role, s.Zone, s.Addr, time.Since(start).Round(time.Millisecond), s.Dir)
}

// readyTimeout bounds how long a server may take to answer after it starts.
const readyTimeout = 15 * time.Second

func (s *Server) start() error {
	if s.Running() {
		return errors.New("already running")
	}
	named, err := NamedPath()
	if err != nil {
		return err
	}
	if err := s.writeConf(); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(s.Dir, "named.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.log.setFile(logFile)
	// -g: foreground, log to stderr. -n 2: few worker threads start faster.
	cmd := exec.Command(named, "-g", "-n", "2", "-c", filepath.Join(s.Dir, "named.conf"))
	cmd.Dir = s.Dir
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = sysProcAttr()
	mark := s.log.len()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-done:
			msg := fmt.Sprintf("named exited: %v", cmd.ProcessState)
			if strings.Contains(s.log.since(mark), "ermission denied") {
				if _, err := os.Stat("/sys/module/apparmor"); err == nil {
					msg += " (AppArmor may confine named to /etc/bind and /var/cache/bind: sudo apparmor_parser -R /etc/apparmor.d/usr.sbin.named)"
				}
			}
			return errors.New(msg)
		default:
		}
		if s.ready() {
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("not answering after %v", readyTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ready reports whether the server answers a SOA query for the zone over UDP the
// way its role should: authoritatively for a primary or secondary, at all for a
// lame server.
func (s *Server) ready() bool {
	m := new(dns.Msg)
	m.SetQuestion(s.Zone, dns.TypeSOA)
	m.RecursionDesired = false
	c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	r, _, err := c.Exchange(m, s.Addr)
	if err != nil {
		return false
	}
	if s.Role == Lame {
		return true
	}
	return r.Rcode == dns.RcodeSuccess && r.Authoritative && len(r.Answer) > 0
}

func absolute(zones []string) []string {
	var out []string
	for _, z := range zones {
		out = append(out, rrset.Absolute(z, "."))
	}
	return out
}
