// Package throttle is the HTTP transport every API-based provider adapter sends its
// requests through: one client-side rate limit per provider instance, and retries
// that are safe for DNS writes.
//
// DNS provider APIs limit requests per account (Cloudflare: 1200 per 5 minutes;
// Route53: 5 per second) and answer 429 or 5xx when busy. An MSP applying one policy
// to hundreds of zones hits those limits in the first minute, so every request
// first waits on a token bucket shared by everything that uses the same
// [Transport], and a 429, a 5xx, a timeout or a broken connection is retried with
// exponential backoff and full jitter, honouring Retry-After.
//
// Retrying a write is only safe when it cannot apply twice. Requests whose method
// is idempotent (GET, HEAD, PUT, DELETE, PATCH, OPTIONS) are retried on any of those
// failures; a POST is retried only when the server provably did not process it: the
// connection was never made (a dial error) or the answer was 429, which means the
// request was refused before it was handled. A POST that failed in any other way is
// returned at once, with an error that says its outcome is unknown.
package throttle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config sets the limits of a [Transport]. Zero fields take the defaults that
// [New] documents.
type Config struct {
	// Name prefixes every error, such as "cloudflare".
	Name string
	// Rate is the sustained number of requests per second. Zero or less means no
	// client-side limit.
	Rate float64
	// Burst is how many requests may go at once before Rate applies. Default 1.
	Burst int
	// Attempts bounds the tries of one request, the first included. Default 4.
	Attempts int
	// BaseDelay is the backoff before the first retry; each retry doubles it.
	// The actual wait is a uniformly random duration up to that (full jitter).
	// Default 500ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. Default 30s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the transport waits for; a server
	// asking for more ends the request with an error. Default 5m.
	MaxRetryAfter time.Duration
	// AttemptTimeout bounds one attempt, from sending the request to closing the
	// response body. Default 30s.
	AttemptTimeout time.Duration
	// Next sends the requests. Default http.DefaultTransport.
	Next http.RoundTripper
}

// CloudflareDefaults returns the limits of the Cloudflare v4 API: 1200 requests
// per 300 seconds per user is 4 per second, with a burst of 20.
func CloudflareDefaults() Config {
	return Config{Name: "cloudflare", Rate: 1200.0 / 300, Burst: 20}
}

// Route53Defaults returns the limits of the Route53 API: 5 requests per second
// per account, with a burst of 5.
func Route53Defaults() Config {
	return Config{Name: "route53", Rate: 5, Burst: 5}
}

// Transport is an [http.RoundTripper] that rate-limits and retries. Use one per
// provider instance and share it among every client of that instance, so that the
// limit covers all of them. It is safe for concurrent use.
type Transport struct {
	cfg     Config
	limiter *rate.Limiter

	mu         sync.Mutex
	pauseUntil time.Time // set by a Retry-After, honoured by every request
}

// New returns a Transport with the defaults filled in.
func New(c Config) *Transport {
	if c.Burst <= 0 {
		c.Burst = 1
	}
	if c.Attempts <= 0 {
		c.Attempts = 4
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 500 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 30 * time.Second
	}
	if c.MaxDelay < c.BaseDelay {
		c.MaxDelay = c.BaseDelay
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 5 * time.Minute
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 30 * time.Second
	}
	if c.Next == nil {
		c.Next = http.DefaultTransport
	}
	lim := rate.Inf
	if c.Rate > 0 {
		lim = rate.Limit(c.Rate)
	}
	return &Transport{cfg: c, limiter: rate.NewLimiter(lim, c.Burst)}
}

// Config returns the configuration in effect, defaults included.
func (t *Transport) Config() Config { return t.cfg }

// Error is the final failure of a request: the last attempt's status or
// transport error, and how many attempts were made.
type Error struct {
	Name     string
	Method   string
	Path     string
	Attempts int
	// StatusCode and Status are those of the last response, if there was one.
	StatusCode int
	Status     string
	// Body holds up to 4 KiB of the last response body, for adapters that
	// decode the provider's error message from it.
	Body []byte
	// Err is the last transport error, if the last attempt got no response.
	Err error
	// Unknown is set when a write may have reached the server, so its outcome
	// is unknown.
	Unknown bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name + ": ")
	}
	fmt.Fprintf(&b, "%s %s: %d attempt", e.Method, e.Path, e.Attempts)
	if e.Attempts != 1 {
		b.WriteByte('s')
	}
	b.WriteString(", last: ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Status)
	}
	if e.Unknown {
		b.WriteString(" (not retried: the request may have reached the server, its outcome is unknown)")
	}
	return b.String()
}

// Unwrap returns the last transport error.
func (e *Error) Unwrap() error { return e.Err }

// idempotent reports whether sending the request twice has the effect of once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return true
	}
	return false
}

// RoundTrip sends req, waiting for the rate limit before each attempt and
// retrying as the package documentation describes. A response that is not
// retried (any status below 500 except 429, or a 5xx to a POST) is returned as
// is; when the attempts run out, the result is an [*Error].
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		// Make the body replayable.
		data, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, t.fail(req, 0, nil, err, false)
		}
		req = req.Clone(ctx)
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		req.Body, _ = req.GetBody()
	}
	var last *http.Response
	var lastBody []byte
	var lastErr error
	for attempt := 1; attempt <= t.cfg.Attempts; attempt++ {
		if attempt > 1 {
			if err := t.backoff(ctx, attempt, last); err != nil {
				return nil, t.fail(req, attempt-1, nil, err, false)
			}
		}
		if err := t.waitTurn(ctx); err != nil {
			if attempt == 1 && req.Body != nil {
				req.Body.Close() // RoundTrip owns the body even when it sends nothing
			}
			return nil, t.fail(req, attempt-1, nil, err, false)
		}
		resp, err := t.try(req, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, t.fail(req, attempt, nil, ctx.Err(), false)
			}
			if !idempotent(req.Method) && !neverSent(err) {
				return nil, t.fail(req, attempt, nil, err, true)
			}
			last, lastBody, lastErr = nil, nil, err
			continue
		}
		retry := resp.StatusCode == http.StatusTooManyRequests ||
			(resp.StatusCode >= 500 && idempotent(req.Method))
		if !retry {
			return resp, nil
		}
		lastBody, _ = io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		last, lastErr = resp, nil
		if d, ok := retryAfter(resp); ok {
			if d > t.cfg.MaxRetryAfter {
				return nil, t.fail(req, attempt, resp, fmt.Errorf("%s, and the server asks to wait %v", resp.Status, d), false)
			}
			t.pause(d)
		}
	}
	if last != nil {
		e := t.fail(req, t.cfg.Attempts, last, nil, false)
		e.Body = lastBody
		return nil, e
	}
	return nil, t.fail(req, t.cfg.Attempts, nil, lastErr, false)
}

func (t *Transport) fail(req *http.Request, attempts int, resp *http.Response, err error, unknown bool) *Error {
	e := &Error{Name: t.cfg.Name, Method: req.Method, Path: req.URL.Path, Attempts: attempts, Err: err, Unknown: unknown}
	if resp != nil {
		e.StatusCode, e.Status = resp.StatusCode, resp.Status
	}
	return e
}

// try makes one attempt under its own timeout. The timeout's context lives until
// the response body is closed.
func (t *Transport) try(req *http.Request, attempt int) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.cfg.AttemptTimeout)
	r := req.Clone(ctx)
	if attempt > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, err
		}
		r.Body = body
	}
	resp, err := t.cfg.Next.RoundTrip(r)
	if err != nil {
		cancel()
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			err = fmt.Errorf("attempt timed out after %v: %w", t.cfg.AttemptTimeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// neverSent reports whether err shows that the request did not leave the
// client: the connection could not be made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// waitTurn waits out a pause another request's Retry-After set, then for a token.
func (t *Transport) waitTurn(ctx context.Context) error {
	t.mu.Lock()
	until := t.pauseUntil
	t.mu.Unlock()
	if err := sleep(ctx, time.Until(until)); err != nil {
		return err
	}
	return t.limiter.Wait(ctx)
}

// pause makes every request on the transport wait d from now.
func (t *Transport) pause(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until := time.Now().Add(d); until.After(t.pauseUntil) {
		t.pauseUntil = until
	}
}

// backoff waits before attempt (2 or more): full jitter over an exponentially
// growing ceiling. A Retry-After was already turned into a pause by RoundTrip.
func (t *Transport) backoff(ctx context.Context, attempt int, last *http.Response) error {
	ceiling := t.cfg.BaseDelay << (attempt - 2)
	if ceiling > t.cfg.MaxDelay || ceiling <= 0 {
		ceiling = t.cfg.MaxDelay
	}
	if last != nil {
		if _, ok := retryAfter(last); ok {
			return nil // the pause is the wait
		}
	}
	return sleep(ctx, rand.N(ceiling+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// retryAfter parses the Retry-After header: delay-seconds or an HTTP date.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if when, err := http.ParseTime(v); err == nil {
		d := time.Until(when)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Share returns c with its rate and burst scaled to the fraction f of the
// limit, for a process that shares one account's limit with others. A zero or
// out-of-range f leaves c as it is; the burst never drops below one request.
func (c Config) Share(f float64) Config {
	if f <= 0 || f >= 1 {
		return c
	}
	c.Rate *= f
	c.Burst = int(float64(c.Burst) * f)
	if c.Burst < 1 {
		c.Burst = 1
	}
	return c
}
