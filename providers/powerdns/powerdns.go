// Package powerdns is the provider for PowerDNS Authoritative's HTTP API, which
// hosting companies run in front of their nameservers and which is often the
// only write path (RFC 2136 turned off).
//
// A zone is read with one GET and written with one PATCH of its rrsets, which
// PowerDNS applies atomically: every edited RRset is sent whole (REPLACE, with
// the values mailzone does not own written back unchanged) or removed
// (DELETE), so no reader sees a half-written zone. The API's quirks are kept
// here: names are absolute, TXT content is quoted and cut into 255-byte
// strings, a 422 carries a message that mailzone shows, and the SOA serial is
// left to the zone's SOA-EDIT-API policy.
package powerdns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
)

func init() {
	providers.Register(providers.Type{
		Name: "powerdns",
		Settings: []providers.Setting{
			{Name: "url", Required: true, Help: "the API base URL, such as http://127.0.0.1:8081"},
			{Name: "api_key", Required: true, Secret: true, Help: "the API key (X-API-Key)"},
			{Name: "server_id", Help: "the server id in the API path (default localhost)"},
		},
		Open: Open,
	})
}

// Provider talks to one PowerDNS API server.
type Provider struct {
	base   string // .../api/v1/servers/<id>
	key    string
	client *http.Client
}

// Open builds a provider from a checked configuration. It makes no request.
func Open(cfg providers.Config) (providers.Provider, error) {
	u, err := url.Parse(cfg.Settings["url"])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: must be an http:// or https:// URL of the PowerDNS API, such as http://127.0.0.1:8081")
	}
	if strings.TrimSpace(cfg.Settings["api_key"]) == "" {
		return nil, errors.New("api_key: empty")
	}
	sid := cfg.Settings["server_id"]
	if sid == "" {
		sid = "localhost"
	}
	tc := throttle.Config{Name: "powerdns", Rate: 50, Burst: 20}
	if cfg.RateShare > 0 {
		tc.Rate *= cfg.RateShare
	}
	return &Provider{
		base:   strings.TrimSuffix(u.String(), "/") + "/api/v1/servers/" + url.PathEscape(sid),
		key:    cfg.Settings["api_key"],
		client: &http.Client{Transport: throttle.New(tc)},
	}, nil
}

// apiRRset is an RRset as the API has it.
type apiRRset struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	TTL        uint32      `json:"ttl,omitempty"`
	ChangeType string      `json:"changetype,omitempty"`
	Records    []apiRecord `json:"records"`
}

type apiRecord struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// do sends a request and decodes a JSON answer into out (when not nil). An
// error answer's message ({"error": "..."}) is part of the error.
func (p *Provider) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", p.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("powerdns: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		hint := ""
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			hint = " (check api_key)"
		case http.StatusNotFound:
			hint = " (is the zone on this server?)"
		}
		return fmt.Errorf("powerdns: %s %s: %s: %s%s", method, path, resp.Status, msg, hint)
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

func zonePath(zone string) string {
	return "/zones/" + url.PathEscape(rrset.Absolute(zone, "."))
}

// Records reads the zone with one GET; disabled records are left out, since
// they are not served.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	var z struct {
		RRsets []apiRRset `json:"rrsets"`
	}
	if err := p.do(ctx, http.MethodGet, zonePath(zone), nil, &z); err != nil {
		return nil, err
	}
	var out []rrset.RRset
	for _, s := range z.RRsets {
		var values []string
		for _, r := range s.Records {
			if !r.Disabled {
				values = append(values, value(s.Type, r.Content))
			}
		}
		if len(values) > 0 {
			out = append(out, rrset.New(".", s.Name, s.Type, s.TTL, values...))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key().String() < out[j].Key().String() })
	return out, nil
}

// value is the normalized value of an API record's content.
func value(typ, content string) string {
	if strings.EqualFold(typ, "TXT") {
		return rrset.JoinTXT(content)
	}
	return rrset.NormalizeValue(typ, content)
}

// content is what the API takes for a normalized value.
func content(typ, v string) string {
	switch strings.ToUpper(typ) {
	case "TXT":
		return rrset.QuoteTXT(v)
	case "MX":
		if f := strings.Fields(v); len(f) == 2 {
			if _, err := strconv.ParseUint(f[0], 10, 16); err == nil {
				return f[0] + " " + rrset.Absolute(f[1], ".")
			}
		}
	case "CNAME", "NS":
		return rrset.Absolute(v, ".")
	}
	return v
}

// Apply writes every edit in one PATCH, which PowerDNS applies atomically:
// each RRset whole (REPLACE, owned and kept values together, the new TTL) or
// removed (DELETE). It returns len(edits) or 0 with the API's message.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, nil
	}
	var sets []apiRRset
	for _, e := range edits {
		res := e.Result()
		s := apiRRset{Name: res.Name, Type: res.Type, Records: []apiRecord{}}
		if res.Empty() {
			s.ChangeType = "DELETE"
		} else {
			s.ChangeType, s.TTL = "REPLACE", res.TTL
			for _, v := range res.Values {
				s.Records = append(s.Records, apiRecord{Content: content(res.Type, v)})
			}
		}
		sets = append(sets, s)
	}
	body := struct {
		RRsets []apiRRset `json:"rrsets"`
	}{sets}
	if err := p.do(ctx, http.MethodPatch, zonePath(zone), body, nil); err != nil {
		return 0, fmt.Errorf("zone %s: nothing was written: %w", strings.TrimSuffix(zone, "."), err)
	}
	return len(edits), nil
}

// Nameservers returns the NS set the zone holds at its apex on the server,
// for verify's delegation report. It implements [providers.NameserverLister].
func (p *Provider) Nameservers(ctx context.Context, zone string) ([]string, error) {
	sets, err := p.Records(ctx, zone)
	if err != nil {
		return nil, err
	}
	apex := rrset.Absolute(zone, ".")
	for _, s := range sets {
		if s.Name == apex && s.Type == "NS" {
			return s.Values, nil
		}
	}
	return nil, nil
}
