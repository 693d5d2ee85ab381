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
	s := &Server{API: freeAddr(t, "tcp"), DNS: freeAddr(t, "udp")}
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
	cmd := exec.Command(bin, "--config-dir="+dir)
	log, _ := os.Create(filepath.Join(dir, "pdns.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(dir, "pdns.log"))
			t.Logf("pdns_server log:\n%s", data)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, "http://"+s.API+"/api/v1/servers/localhost", nil)
		req.Header.Set("X-API-Key", APIKey)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("pdns_server did not answer within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t testing.TB, network string) string {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().String()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
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
