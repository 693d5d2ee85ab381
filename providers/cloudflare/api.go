package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailzone/mailzone/providers/throttle"
)

// apiRecord is a DNS record as the v4 API sends and takes it.
type apiRecord struct {
	ID       string  `json:"id,omitempty"`
	Name     string  `json:"name,omitempty"`
	Type     string  `json:"type,omitempty"`
	Content  string  `json:"content,omitempty"`
	Priority *uint16 `json:"priority,omitempty"`
	TTL      int     `json:"ttl,omitempty"`
}

type apiZone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	NameServers []string `json:"name_servers"`
}

// envelope is the v4 response wrapper.
type envelope struct {
	Success bool `json:"success"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Result     json.RawMessage `json:"result"`
	ResultInfo *struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Count      int `json:"count"`
		TotalCount int `json:"total_count"`
		TotalPages int `json:"total_pages"`
	} `json:"result_info"`
}

// apiError is an answer of the API that is not a success.
type apiError struct {
	Method, Path string
	Status       int
	Codes        []int
	Msg          string
	// Unknown is set when the request may have been applied without an answer.
	Unknown bool
	Err     error
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("cloudflare: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Msg)
}

func (e *apiError) Unwrap() error { return e.Err }

func (e *apiError) has(code int) bool {
	for _, c := range e.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// do sends one API request and decodes the envelope; result, if not nil,
// receives the envelope's result.
func (p *Provider) do(ctx context.Context, method, path string, query url.Values, token string, body any, result any) (*envelope, error) {
	u := p.endpoint + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		ae := &apiError{Method: method, Path: path, Err: err}
		var te *throttle.Error
		if errors.As(err, &te) {
			ae.Unknown = te.Unknown
			ae.Err = te // its message already names the method and path
			if te.StatusCode != 0 {
				ae.Status = te.StatusCode
				if msg, codes := errorText(te.Body); msg != "" {
					ae.Err = fmt.Errorf("%w (%s)", te, msg)
					ae.Codes = codes
				}
			}
		} else {
			// *url.Error from http.Client: method and URL are in its message.
			ae.Err = fmt.Errorf("cloudflare: %w", err)
		}
		return nil, ae
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, &apiError{Method: method, Path: path, Unknown: method != http.MethodGet,
			Err: fmt.Errorf("cloudflare: %s %s: reading the answer: %w", method, path, err)}
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, &apiError{Method: method, Path: path, Status: resp.StatusCode, Unknown: method == http.MethodPost && resp.StatusCode >= 500,
			Msg: fmt.Sprintf("%s, not a Cloudflare API answer (%v)", resp.Status, err)}
	}
	if resp.StatusCode >= 300 || !env.Success {
		msg, codes := errorText(data)
		if msg == "" {
			msg = resp.Status
		}
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			msg += " (check that the token is valid and has Zone:Read and DNS:Edit on this zone)"
		}
		return nil, &apiError{Method: method, Path: path, Status: resp.StatusCode, Codes: codes, Msg: msg,
			Unknown: method == http.MethodPost && resp.StatusCode >= 500}
	}
	if result != nil && len(env.Result) > 0 {
		if err := json.Unmarshal(env.Result, result); err != nil {
			return nil, &apiError{Method: method, Path: path, Status: resp.StatusCode, Msg: "decoding result: " + err.Error()}
		}
	}
	return &env, nil
}

// errorText renders the errors of an envelope as "code message; ...".
func errorText(data []byte) (string, []int) {
	var env envelope
	if json.Unmarshal(data, &env) != nil || len(env.Errors) == 0 {
		return "", nil
	}
	var parts []string
	var codes []int
	for _, e := range env.Errors {
		parts = append(parts, strconv.Itoa(e.Code)+" "+e.Message)
		codes = append(codes, e.Code)
	}
	return strings.Join(parts, "; "), codes
}

// zoneID returns the id of zone (no trailing dot), looked up once per Provider.
func (p *Provider) zoneID(ctx context.Context, zone string) (string, error) {
	p.mu.Lock()
	id, ok := p.zoneIDs[zone]
	for !ok && p.pending[zone] > 0 {
		// Prepare's listing is on its way to this zone.
		p.listed.Wait()
		id, ok = p.zoneIDs[zone]
	}
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	token := p.token
	if p.zoneToken != "" {
		token = p.zoneToken
	}
	var zones []apiZone
	q := url.Values{"name": {zone}, "per_page": {"50"}}
	if _, err := p.do(ctx, http.MethodGet, "/zones", q, token, nil, &zones); err != nil {
		return "", fmt.Errorf("looking up zone %s: %w", zone, err)
	}
	for _, z := range zones {
		if strings.EqualFold(z.Name, zone) {
			p.mu.Lock()
			p.zoneIDs[zone] = z.ID
			p.assigned[zone] = z.NameServers
			p.mu.Unlock()
			return z.ID, nil
		}
	}
	return "", fmt.Errorf("zone %s not found in this Cloudflare account (is the zone added to Cloudflare, and may the token read it?)", zone)
}

// list reads every record of the zone, all pages.
func (p *Provider) list(ctx context.Context, zoneID string) ([]apiRecord, error) {
	var all []apiRecord
	for page := 1; ; page++ {
		var recs []apiRecord
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(pageSize)}}
		env, err := p.do(ctx, http.MethodGet, "/zones/"+zoneID+"/dns_records", q, p.token, nil, &recs)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
		ri := env.ResultInfo
		if ri == nil || len(recs) == 0 {
			return all, nil
		}
		last := ri.TotalPages
		if last == 0 && ri.PerPage > 0 {
			last = (ri.TotalCount + ri.PerPage - 1) / ri.PerPage
		}
		if page >= last {
			return all, nil
		}
	}
}

func (p *Provider) create(ctx context.Context, zoneID string, r apiRecord) (apiRecord, error) {
	var out apiRecord
	_, err := p.do(ctx, http.MethodPost, "/zones/"+zoneID+"/dns_records", nil, p.token, r, &out)
	return out, err
}

func (p *Provider) patch(ctx context.Context, zoneID, id string, r apiRecord) (apiRecord, error) {
	var out apiRecord
	_, err := p.do(ctx, http.MethodPatch, "/zones/"+zoneID+"/dns_records/"+id, nil, p.token, r, &out)
	return out, err
}

// remove deletes a record. A record already gone counts as deleted: a DELETE
// retried after its answer was lost finds nothing.
func (p *Provider) remove(ctx context.Context, zoneID, id string) error {
	_, err := p.do(ctx, http.MethodDelete, "/zones/"+zoneID+"/dns_records/"+id, nil, p.token, nil, nil)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound && ae.has(81044) {
		return nil
	}
	return err
}
