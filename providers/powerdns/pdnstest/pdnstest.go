// Package pdnstest starts a real PowerDNS Authoritative server (Debian's
// pdns-server with the sqlite3 backend) on loopback for tests, with its HTTP
// API on, and seeds zones through that API.
package pdnstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/rrset"
)

// APIKey is the API key of every test server.
const APIKey = "pdns-test-key"

// Server is a real PowerDNS Authoritative (Debian's pdns-server with the
// sqlite3 backend) started for a test on loopback, with the HTTP API on.
type Server struct {
	// API and DNS are where the HTTP API and the nameserver listen (host:port).
	API, DNS string
}

// Start starts pdns_server, or skips (fails under CI) when it is not
// installed.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("pdns_server")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/pdns_server"); e == nil {
			bin = "/usr/sbin/pdns_server"
		} else {
			if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
				t.Fatal("pdns_server not found and CI is set: apt-get install -y pdns-server pdns-backend-sqlite3 sqlite3")
			}
			t.Skip("pdns_server not found: apt-get install -y pdns-server pdns-backend-sqlite3 sqlite3")
		}
	}
	schema := "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"
	dir := t.TempDir()
	db := filepath.Join(dir, "pdns.db")
	sql, err := os.ReadFile(schema)
	if err != nil {
		t.Fatalf("pdns schema: %v", err)
	}
	init := exec.Command("sqlite3", db)
	init.Stdin = strings.NewReader(string(sql))
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	// Ports are picked free just before the start, so another process may
	// take one in between: a server that dies or does not answer is started
	// again on new ports.
	var last string
	for attempt := 0; attempt < 4; attempt++ {
		s := &Server{API: freeAddr(t, "tcp"), DNS: freeAddr(t, "both")}
		ok, log := s.start(t, bin, dir, db)
		if ok {
			return s
		}
		last = log
	}
	t.Fatalf("pdns_server did not start in 4 attempts; last log:\n%s", last)
	return nil
}

// start runs pdns_server on s's ports and waits until its API answers. It
// reports false, with the log, when the server exits or stays silent.
func (s *Server) start(t testing.TB, bin, dir, db string) (bool, string) {
	apiHost, apiPort, _ := net.SplitHostPort(s.API)
	conf := fmt.Sprintf(`launch=gsqlite3
gsqlite3-database=%s
local-address=%s
api=yes
api-key=%s
webserver=yes
webserver-address=%s
webserver-port=%s
webserver-allow-from=127.0.0.0/8
socket-dir=%s
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
`, db, s.DNS, APIKey, apiHost, apiPort, dir)
	os.WriteFile(filepath.Join(dir, "pdns.conf"), []byte(conf), 0o644)
	logPath := filepath.Join(dir, "pdns.log")
	cmd := exec.Command(bin, "--config-dir="+dir)
	logf, _ := os.Create(logPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		<-exited
		logf.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.API+"/api/v1/servers/localhost", nil)
		req.Header.Set("X-API-Key", APIKey)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Cleanup(func() {
					stop()
					if t.Failed() {
						data, _ := os.ReadFile(logPath)
						t.Logf("pdns_server log:\n%s", data)
					}
				})
				return true, ""
			}
		}
		select {
		case <-exited:
			data, _ := os.ReadFile(logPath)
			return false, string(data)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			data, _ := os.ReadFile(logPath)
			return false, string(data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a free port: for "tcp", or
// "both" (free for UDP and TCP at once, as a nameserver needs).
func freeAddr(t testing.TB, network string) string {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		if network == "tcp" {
			l.Close()
			return addr
		}
		c, err := net.ListenPacket("udp", addr)
		l.Close()
		if err == nil {
			c.Close()
			return addr
		}
	}
	t.Fatal("no free port for UDP and TCP")
	return ""
}

// Block is the provider block of a configuration for this server; the key is
// in ${PDNS_API_KEY}.
func (s *Server) Block() string {
	return fmt.Sprintf("{type: powerdns, url: %q, api_key: \"${PDNS_API_KEY}\"}", "http://"+s.API)
}

// Zone creates zone holding seed (beside SOA and NS records).
func (s *Server) Zone(t testing.TB, zone string, seed []rrset.RRset) {
	t.Helper()
	z := rrset.Absolute(zone, ".")
	s.call(t, http.MethodPost, "/zones", map[string]any{"name": z, "kind": "Native", "nameservers": []string{"ns1.dnshost.example.net."}, "soa_edit_api": "DEFAULT"})
	var sets []map[string]any
	for _, set := range rrset.Index(seed) {
		var recs []map[string]any
		for _, v := range set.Values {
			c := v
			switch set.Type {
			case "TXT":
				c = rrset.QuoteTXT(v)
			}
			recs = append(recs, map[string]any{"content": c, "disabled": false})
		}
		sets = append(sets, map[string]any{"name": set.Name, "type": set.Type, "ttl": set.TTL, "changetype": "REPLACE", "records": recs})
	}
	if len(sets) > 0 {
		s.call(t, http.MethodPatch, "/zones/"+z, map[string]any{"rrsets": sets})
	}
}

// DeleteZone removes zone from the server.
func (s *Server) DeleteZone(t testing.TB, zone string) {
	s.call(t, http.MethodDelete, "/zones/"+rrset.Absolute(zone, "."), nil)
}

func (s *Server) call(t testing.TB, method, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, "http://"+s.API+"/api/v1/servers/localhost"+path, rd)
	req.Header.Set("X-API-Key", APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("pdnstest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("pdnstest: %s %s: %s %s", method, path, resp.Status, data)
	}
}

// Record is one record as PowerDNS stores it.
type Record struct {
	Name, Type string
	TTL        uint32
	Content    string
	Disabled   bool
}

// Records returns every record of zone exactly as the API returns it.
func (s *Server) Records(t testing.TB, zone string) []Record {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.API+"/api/v1/servers/localhost/zones/"+rrset.Absolute(zone, "."), nil)
	req.Header.Set("X-API-Key", APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("pdnstest: %v", err)
	}
	defer resp.Body.Close()
	var z struct {
		RRsets []struct {
			Name, Type string
			TTL        uint32
			Records    []struct {
				Content  string
				Disabled bool
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&z); err != nil {
		t.Fatalf("pdnstest: %v", err)
	}
	var out []Record
	for _, set := range z.RRsets {
		for _, r := range set.Records {
			out = append(out, Record{set.Name, set.Type, set.TTL, r.Content, r.Disabled})
		}
	}
	return out
}
