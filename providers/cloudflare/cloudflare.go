// Package cloudflare is the mailzone adapter for Cloudflare DNS (API v4), registered
// as provider type "cloudflare".
//
// It talks to the v4 API directly instead of through github.com/libdns/cloudflare
// v0.2.2, because that package gets exactly mailzone's records wrong (read from its
// source, and reproduced against the fake in libdns_test.go):
//
//   - SetRecords looks records up by name and type only, so a multi-value set keeps
//     only its last value, and it fails when several records share name and type
//     (an apex TXT RRset with SPF beside a verification token);
//   - TXT is quoted with Go's %q and read back by trimming one pair of outer
//     quotes, so a long DKIM key that Cloudflare stores as "a" "b" reads back as
//     a" "b, and DeleteRecords, which matches content, then silently deletes
//     nothing;
//   - libdns records carry no record id, so an update cannot be one PATCH of the
//     record: it becomes a lookup per record and a delete plus a create, leaving a
//     window with no SPF record or two;
//   - there is no retry, no 429 handling, and the base URL is fixed.
//
// What this adapter guarantees instead:
//
//   - Reading a zone is the fewest requests: the zone id is looked up once per
//     Provider and cached, and the records are listed 100 per page (the page size
//     every version of the API documentation accepts), all pages. A plan's read is
//     one listing.
//   - Apply turns each [rrset.Edit] into the fewest correct writes, from the record
//     ids of the last listing: a changed value is one PATCH of its record (never a
//     delete then a create), extra values are POSTs, surplus values are DELETEs done
//     after the PATCHes and POSTs, so within one edit the new records exist before
//     the old ones go. Records in Edit.Keep are never written.
//   - Long TXT is sent as quoted 255-byte character-strings and read back joined
//     ([rrset.JoinTXT]), so a 4096-bit DKIM key round-trips exactly.
//   - Every request goes through one [throttle.Transport] per Provider: 4 requests
//     per second (Cloudflare allows 1200 per 5 minutes), retries of 429, 5xx and
//     broken connections, and POSTs retried only when they provably did not land.
package cloudflare

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/throttle"
)

// DefaultEndpoint is the Cloudflare v4 API base URL.
const DefaultEndpoint = "https://api.cloudflare.com/client/v4"

// pageSize is the per_page of record listings: the documented maximum of the v4
// API for years, and within the larger limit its current schema allows.
const pageSize = 100

func init() {
	providers.Register(providers.Type{
		Name: "cloudflare",
		Settings: []providers.Setting{
			{Name: "api_token", Required: true, Secret: true, Help: "API token with Zone:Read and DNS:Edit, such as ${CLOUDFLARE_API_TOKEN}"},
			{Name: "zone_token", Secret: true, Help: "optional token used only to look up zone ids (Zone:Read), when api_token is scoped to DNS:Edit"},
			{Name: "endpoint", Help: "API base URL, default " + DefaultEndpoint + " (for gateways and tests)"},
			{Name: "rate", Help: "requests per second, default 4 (Cloudflare allows 1200 per 5 minutes)"},
		},
		Open: open,
	})
}

// Options configures a [Provider].
type Options struct {
	// APIToken authenticates every request (Zone:Read and DNS:Edit).
	APIToken string
	// ZoneToken, if set, authenticates the zone lookups instead of APIToken.
	ZoneToken string
	// Endpoint is the API base URL; default [DefaultEndpoint].
	Endpoint string
	// Throttle sets the rate limit and retries; the zero value means
	// [throttle.CloudflareDefaults].
	Throttle throttle.Config
}

// Provider is a Cloudflare account, as a [providers.Provider]. It is safe for
// concurrent use; all its requests share one rate limit.
type Provider struct {
	token, zoneToken string
	endpoint         string
	client           *http.Client

	mu       sync.Mutex
	zoneIDs  map[string]string   // zone name (no trailing dot) -> id
	assigned map[string][]string // zone name -> name_servers of the zone lookup
	pending  map[string]int      // zone name -> Prepare listings still looking for it
	listed   *sync.Cond          // on mu: a listing page arrived or a listing ended
	listings map[string]*listing // zone name -> last listing read or written
}

// New returns a Provider. It makes no request; a missing token is an error here.
func New(o Options) (*Provider, error) {
	if strings.TrimSpace(o.APIToken) == "" {
		return nil, fmt.Errorf("api_token is empty: set it in the provider block from the environment, such as api_token: \"${CLOUDFLARE_API_TOKEN}\"")
	}
	ep := o.Endpoint
	if ep == "" {
		ep = DefaultEndpoint
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want an http(s) URL such as %s", ep, DefaultEndpoint)
	}
	tc := o.Throttle
	if tc == (throttle.Config{}) {
		tc = throttle.CloudflareDefaults()
	}
	if tc.Name == "" {
		tc.Name = "cloudflare"
	}
	p := &Provider{
		token:     o.APIToken,
		zoneToken: o.ZoneToken,
		endpoint:  strings.TrimSuffix(ep, "/"),
		client:    &http.Client{Transport: throttle.New(tc)},
		zoneIDs:   map[string]string{},
		assigned:  map[string][]string{},
		pending:   map[string]int{},
		listings:  map[string]*listing{},
	}
	p.listed = sync.NewCond(&p.mu)
	return p, nil
}

func open(cfg providers.Config) (providers.Provider, error) {
	o := Options{
		APIToken:  cfg.Settings["api_token"],
		ZoneToken: cfg.Settings["zone_token"],
		Endpoint:  cfg.Settings["endpoint"],
	}
	if v := cfg.Settings["rate"]; v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("rate %q: want a positive number of requests per second", v)
		}
		o.Throttle = throttle.CloudflareDefaults()
		o.Throttle.Rate = r
	}
	if cfg.RateShare > 0 {
		if o.Throttle.Rate == 0 {
			o.Throttle = throttle.CloudflareDefaults()
		}
		o.Throttle = o.Throttle.Share(cfg.RateShare)
	}
	return New(o)
}

var _ providers.Provider = (*Provider)(nil)
