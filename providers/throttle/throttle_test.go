package throttle

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fast is a configuration with delays small enough for tests.
func fast() Config {
	return Config{Name: "test", Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, AttemptTimeout: 2 * time.Second}
}

// server answers the n-th request (from 1) with handlers[n-1], and the last
// handler for every request after that.
func server(t *testing.T, handlers ...http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		if i > len(handlers) {
			i = len(handlers)
		}
		handlers[i-1](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}
}

func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func do(t *testing.T, c Config, method, url, body string) (*http.Response, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if c.Next == nil {
		// A fresh transport per test, so no connection is reused across tests.
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		c.Next = tr
	}
	resp, err := New(c).RoundTrip(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestRetriesAfter429HonouringRetryAfter(t *testing.T) {
	srv, n := server(t, status(429, "Retry-After", "1"), status(200))
	start := time.Now()
	resp, err := do(t, fast(), "GET", srv.URL+"/zones", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("status %d after %d requests, want 200 after 2", resp.StatusCode, n.Load())
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, before the Retry-After of 1s", d)
	}
}

func TestRetriesServerErrors(t *testing.T) {
	srv, n := server(t, status(503), status(502), status(200))
	resp, err := do(t, fast(), "GET", srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 3 {
		t.Fatalf("status %d after %d requests, want 200 after 3", resp.StatusCode, n.Load())
	}
}

func TestRetriesDroppedConnection(t *testing.T) {
	srv, n := server(t, hangUp, status(200))
	resp, err := do(t, fast(), "DELETE", srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("status %d after %d requests, want 200 after 2", resp.StatusCode, n.Load())
	}
}

func TestRetriesSlowAttempt(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	srv, n := server(t, slow, status(200))
	c := fast()
	c.AttemptTimeout = 100 * time.Millisecond
	start := time.Now()
	resp, err := do(t, c, "GET", srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("status %d after %d requests, want 200 after 2", resp.StatusCode, n.Load())
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v; the attempt timeout did not cut the slow attempt", d)
	}
}

func TestReplaysBody(t *testing.T) {
	var bodies []string
	record := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			h(w, r)
		}
	}
	srv, _ := server(t, record(status(500)), record(status(200)))
	if _, err := do(t, fast(), "PATCH", srv.URL, `{"content":"x"}`); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] || bodies[1] != `{"content":"x"}` {
		t.Fatalf("bodies sent: %q", bodies)
	}
}

func TestPostNotRetriedAfterServerError(t *testing.T) {
	srv, n := server(t, status(500), status(200))
	resp, err := do(t, fast(), "POST", srv.URL, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || n.Load() != 1 {
		t.Fatalf("status %d after %d requests, want the 500 after 1", resp.StatusCode, n.Load())
	}
}

func TestPostNotRetriedAfterDroppedConnection(t *testing.T) {
	srv, n := server(t, hangUp, status(200))
	_, err := do(t, fast(), "POST", srv.URL+"/zones/z/dns_records", `{}`)
	var e *Error
	if !errors.As(err, &e) || !e.Unknown {
		t.Fatalf("err = %v, want an *Error with an unknown outcome", err)
	}
	if n.Load() != 1 {
		t.Fatalf("%d requests, want 1", n.Load())
	}
	if !strings.Contains(err.Error(), "test: POST /zones/z/dns_records: 1 attempt, last: ") {
		t.Errorf("error %q", err)
	}
}

func TestPostRetriedAfter429(t *testing.T) {
	srv, n := server(t, status(429), status(200))
	resp, err := do(t, fast(), "POST", srv.URL, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("status %d after %d requests, want 200 after 2", resp.StatusCode, n.Load())
	}
}

func TestPostRetriedAfterDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = do(t, fast(), "POST", "http://"+addr+"/x", `{}`)
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 3 || e.Unknown {
		t.Fatalf("err = %#v, want 3 attempts with a known outcome", err)
	}
}

func TestPersistentFailureError(t *testing.T) {
	srv, n := server(t, status(429))
	_, err := do(t, fast(), "GET", srv.URL+"/zones/abc/dns_records?page=2", "")
	want := "test: GET /zones/abc/dns_records: 3 attempts, last: 429 Too Many Requests"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || string(e.Body) != "Too Many Requests" {
		t.Errorf("err = %#v", err)
	}
	if n.Load() != 3 {
		t.Errorf("%d requests, want 3", n.Load())
	}
}

func TestRetryAfterBeyondLimitFailsAtOnce(t *testing.T) {
	srv, n := server(t, status(429, "Retry-After", "3600"), status(200))
	c := fast()
	c.MaxRetryAfter = time.Minute
	_, err := do(t, c, "GET", srv.URL, "")
	if err == nil || !strings.Contains(err.Error(), "asks to wait 1h0m0s") || n.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, n.Load())
	}
}

func TestRateLimitIsShared(t *testing.T) {
	srv, _ := server(t, status(200))
	c := fast()
	c.Rate, c.Burst = 20, 1
	tr := New(c)
	start := time.Now()
	for range 5 {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// 5 requests at 20/s with a burst of 1 take at least 4 × 50ms.
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("5 requests took %v, the rate limit did not apply", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		header string
		min    time.Duration
		max    time.Duration
		ok     bool
	}{
		{"", 0, 0, false},
		{"7", 7 * time.Second, 7 * time.Second, true},
		{time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat), 8 * time.Second, 10 * time.Second, true},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0, true},
		{"soon", 0, 0, false},
	} {
		resp := &http.Response{Header: http.Header{}}
		if tc.header != "" {
			resp.Header.Set("Retry-After", tc.header)
		}
		d, ok := retryAfter(resp)
		if ok != tc.ok || d < tc.min || d > tc.max {
			t.Errorf("Retry-After %q = %v, %v; want %v..%v, %v", tc.header, d, ok, tc.min, tc.max, tc.ok)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := New(Config{}).Config()
	if c.Attempts != 4 || c.Burst != 1 || c.BaseDelay <= 0 || c.MaxDelay < c.BaseDelay || c.AttemptTimeout <= 0 || c.Next == nil {
		t.Errorf("defaults not filled: %+v", c)
	}
	if cf := CloudflareDefaults(); cf.Rate != 4 || cf.Burst != 20 {
		t.Errorf("Cloudflare defaults %+v", cf)
	}
	if r := Route53Defaults(); r.Rate != 5 || r.Burst != 5 {
		t.Errorf("Route53 defaults %+v", r)
	}
}
