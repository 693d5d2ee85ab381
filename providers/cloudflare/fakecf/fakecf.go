// Package fakecf is a local fake of the Cloudflare v4 API, written from its public
// documentation, for testing the cloudflare provider adapter without an account.
//
// It serves the part of the API a DNS tool uses: listing zones (by name, and all of
// them, paginated), listing DNS records of a zone (paginated, with result_info, and
// the name, type and content filters), and creating, patching, replacing and
// deleting records, all inside the JSON envelope {success, errors, messages,
// result} and behind bearer-token authentication. It keeps the quirks that matter
// to mailzone: TXT content longer than 255 bytes is stored and returned as quoted
// 255-byte character-strings ("a" "b"), short TXT content is returned as sent,
// identical records and CNAMEs beside other records are refused.
//
// Tests steer it with knobs (latency, 429 with Retry-After, 5xx, dropped
// connections, writes applied whose response is then lost) and assert on its
// request log, so that "an update is one PATCH" is checked, not assumed.
package fakecf

import (
	"slices"

	"github.com/miekg/dns"

	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/authdns"
)

// Token is the API token a new fake accepts with full (Zone:Read and DNS:Edit)
// permissions.
const Token = "fakecf-token"

// ZoneReadToken is the token a new fake accepts for reading zones only.
const ZoneReadToken = "fakecf-zone-read-token"

// Zone is a zone as the API returns it (the fields mailzone reads).
type Zone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	NameServers []string `json:"name_servers"`
}

// Record is a DNS record as the API returns it.
type Record struct {
	ID         string    `json:"id"`
	ZoneID     string    `json:"zone_id"`
	ZoneName   string    `json:"zone_name"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Content    string    `json:"content"`
	Priority   *uint16   `json:"priority,omitempty"`
	TTL        int       `json:"ttl"`
	Proxied    bool      `json:"proxied"`
	Proxiable  bool      `json:"proxiable"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

// Request is one entry of the request log.
type Request struct {
	Method string
	// Path is relative to the API base, such as "/zones/ID/dns_records".
	Path  string
	Query url.Values
	Body  string
	// Status is the HTTP status answered, or 0 when the connection was dropped.
	Status int
	// Fault names the injected fault that shaped the answer, if any.
	Fault string
}

// Write reports whether the request asks to change something.
func (r Request) Write() bool { return r.Method != http.MethodGet && r.Method != http.MethodHead }

func (r Request) String() string {
	s := r.Method + " " + r.Path
	if len(r.Query) > 0 {
		s += "?" + r.Query.Encode()
	}
	if r.Body != "" {
		s += " " + r.Body
	}
	return s
}

// Fault is an injected failure for the next Count requests that match Method
// ("" matches every method).
type Fault struct {
	Method string
	Count  int
	// Status answers with this HTTP status and an error envelope, without
	// handling the request (429, 500, 502, 503, ...).
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// Drop closes the connection without handling the request.
	Drop bool
	// Lose handles the request (a write is applied), then closes the connection
	// instead of answering.
	Lose bool
}

func (f Fault) name() string {
	switch {
	case f.Drop:
		return "drop"
	case f.Lose:
		return "lose"
	default:
		return strconv.Itoa(f.Status)
	}
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex
	tokens  map[string]bool // token -> may edit DNS
	zones   []*Zone
	records map[string][]*Record // zone id -> records in creation order
	nextID  int
	latency time.Duration
	faults  []Fault
	log     []Request
	front   *authdns.Server // the nameservers, once StartDNS ran
}

// New starts a fake with no zones that accepts [Token] and [ZoneReadToken]. It
// is closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		tokens:  map[string]bool{Token: true, ZoneReadToken: false},
		records: map[string][]*Record{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.srv.Close)
	return s
}

// Server returns the underlying test server.
func (s *Server) Server() *httptest.Server { return s.srv }

// URL returns the API base URL, the equivalent of https://api.cloudflare.com/client/v4.
func (s *Server) URL() string { return s.srv.URL + "/client/v4" }

// SetLatency delays every later request by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Inject queues a fault; faults are consumed in the order injected.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Count <= 0 {
		f.Count = 1
	}
	s.faults = append(s.faults, f)
}

// Throttle answers the next n requests with 429 and Retry-After: retryAfter
// (no header when empty), as Cloudflare does past 1200 requests per 5 minutes.
func (s *Server) Throttle(n int, retryAfter string) {
	s.Inject(Fault{Count: n, Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// FailNext answers the next n requests with status (a 5xx).
func (s *Server) FailNext(n, status int) { s.Inject(Fault{Count: n, Status: status}) }

// AddToken makes the fake accept token; canEdit grants DNS:Edit, otherwise the
// token may only read zones.
func (s *Server) AddToken(token string, canEdit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = canEdit
}

// AddZone creates a zone and returns its id.
func (s *Server) AddZone(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := &Zone{
		ID:          s.newID("z"),
		Name:        strings.ToLower(strings.TrimSuffix(name, ".")),
		Status:      "active",
		NameServers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
	}
	s.zones = append(s.zones, z)
	s.publish(z)
	return z.ID
}

// AddRecord stores r in the zone called zone directly, as if created in the
// dashboard, applying the same normalization as the API (names made absolute,
// long TXT split). It returns the record id, and panics on a bad record.
func (s *Server) AddRecord(zone string, r Record) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByName(zone)
	if z == nil {
		panic("fakecf: no zone " + zone)
	}
	rec, e := s.create(z, input{Name: &r.Name, Type: &r.Type, Content: &r.Content, TTL: &r.TTL, Priority: r.Priority})
	if e != nil {
		panic("fakecf: AddRecord: " + e.Message)
	}
	s.publish(z)
	return rec.ID
}

// StartDNS starts the account's nameservers on addr (see authdns.Start):
// from then on every zone is served as the API holds it, each write published
// as it is made. Tests set their lag, AA bit and silence on the returned
// server.
func (s *Server) StartDNS(t testing.TB, addr string) *authdns.Server {
	front := authdns.Start(t, addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.front = front
	for _, z := range s.zones {
		s.publish(z)
	}
	return front
}

// publishPath publishes the zone a write request to path touched. It runs
// with s.mu held.
func (s *Server) publishPath(method, path string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if method == http.MethodGet || len(parts) < 2 || parts[0] != "zones" {
		return
	}
	if z := s.zoneByID(parts[1]); z != nil {
		s.publish(z)
	}
}

// publish hands the zone's records to the nameservers, as the API's records
// are served: TTL 1 (automatic) as 300. It runs with s.mu held.
func (s *Server) publish(z *Zone) {
	if s.front == nil {
		return
	}
	var rrs []dns.RR
	for _, r := range s.records[z.ID] {
		ttl := r.TTL
		if ttl == 1 {
			ttl = 300
		}
		data := r.Content
		switch r.Type {
		case "TXT":
			if !strings.HasPrefix(data, `"`) {
				data = quote(split(data))
			}
		case "MX":
			p := 0
			if r.Priority != nil {
				p = int(*r.Priority)
			}
			data = fmt.Sprintf("%d %s.", p, strings.TrimSuffix(data, "."))
		case "CNAME", "NS":
			data = strings.TrimSuffix(data, ".") + "."
		}
		rr, err := dns.NewRR(fmt.Sprintf("%s. %d IN %s %s", r.Name, ttl, r.Type, data))
		if err != nil || rr == nil {
			continue // a record the fake's DNS cannot parse is not served
		}
		rrs = append(rrs, rr)
	}
	s.front.Publish(z.Name, rrs)
}

// DeleteRecord removes the record with id from the zone called zone
// directly, as if deleted in the dashboard.
func (s *Server) DeleteRecord(zone, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByName(zone)
	if z == nil {
		panic("fakecf: no zone " + zone)
	}
	s.records[z.ID] = slices.DeleteFunc(s.records[z.ID], func(r *Record) bool { return r.ID == id })
	s.publish(z)
}

// Records returns a copy of the records of the zone called zone.
func (s *Server) Records(zone string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneByName(zone)
	if z == nil {
		return nil
	}
	out := make([]Record, 0, len(s.records[z.ID]))
	for _, r := range s.records[z.ID] {
		out = append(out, *r)
	}
	return out
}

// Log returns the requests received so far.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Writes returns the logged requests that change something (not GET or HEAD).
func (s *Server) Writes() []Request {
	var out []Request
	for _, r := range s.Log() {
		if r.Write() {
			out = append(out, r)
		}
	}
	return out
}

// Count returns how many logged requests have method (any method when "") and
// a path starting with pathPrefix.
func (s *Server) Count(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Log() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

func (s *Server) newID(prefix string) string {
	s.nextID++
	id := fmt.Sprintf("%s%031x", prefix, s.nextID)
	return id[:32]
}

func (s *Server) zoneByName(name string) *Zone {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, z := range s.zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

func (s *Server) zoneByID(id string) *Zone {
	for _, z := range s.zones {
		if z.ID == id {
			return z
		}
	}
	return nil
}

// apiError is one entry of the envelope's errors.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []apiError  `json:"errors"`
	Messages   []any       `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo *resultInfo `json:"result_info,omitempty"`
}

// reply is a response before it is written.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func ok(result any, info *resultInfo) reply {
	return encode(http.StatusOK, envelope{Success: true, Errors: []apiError{}, Messages: []any{}, Result: result, ResultInfo: info})
}

func fail(status, code int, msg string) reply {
	return encode(status, envelope{Errors: []apiError{{code, msg}}, Messages: []any{}})
}

func encode(status int, e envelope) reply {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err)
	}
	return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: b}
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	entry := Request{
		Method: r.Method,
		Path:   strings.TrimPrefix(r.URL.Path, "/client/v4"),
		Query:  r.URL.Query(),
		Body:   string(body),
	}

	s.mu.Lock()
	latency := s.latency
	var fault *Fault
	for i := range s.faults {
		if f := &s.faults[i]; f.Method == "" || f.Method == r.Method {
			cp := *f
			fault = &cp
			if f.Count--; f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	s.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}

	var rep reply
	switch {
	case fault != nil && (fault.Drop || fault.Lose):
		if fault.Lose {
			s.mu.Lock()
			s.serve(r, entry.Path, body)
			s.publishPath(r.Method, entry.Path)
			s.mu.Unlock()
		}
		entry.Fault = fault.name()
		s.record(entry)
		hijackClose(w)
		return
	case fault != nil:
		entry.Fault = fault.name()
		if fault.Status == http.StatusTooManyRequests {
			rep = fail(fault.Status, 10100, "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed")
		} else {
			rep = fail(fault.Status, 10000, http.StatusText(fault.Status))
		}
		if fault.RetryAfter != "" {
			rep.header.Set("Retry-After", fault.RetryAfter)
		}
	default:
		s.mu.Lock()
		rep = s.serve(r, entry.Path, body)
		s.publishPath(r.Method, entry.Path)
		s.mu.Unlock()
	}
	entry.Status = rep.status
	s.record(entry)
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

func (s *Server) record(e Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, e)
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// serve routes an authenticated request. It runs with s.mu held.
func (s *Server) serve(r *http.Request, path string, body []byte) reply {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return fail(http.StatusBadRequest, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")
	}
	token, found := strings.CutPrefix(auth, "Bearer ")
	canEdit, known := s.tokens[token]
	if !found || !known {
		return fail(http.StatusUnauthorized, 10000, "Authentication error")
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] != "zones" {
		return fail(http.StatusNotFound, 7003, "Could not route to "+path+", perhaps your object identifier is invalid?")
	}
	if len(parts) == 1 {
		if r.Method != http.MethodGet {
			return fail(http.StatusMethodNotAllowed, 7001, "Method "+r.Method+" not allowed for this endpoint")
		}
		return s.listZones(r.URL.Query())
	}
	z := s.zoneByID(parts[1])
	if z == nil {
		return fail(http.StatusNotFound, 7003, "Could not route to "+path+", perhaps your object identifier is invalid?")
	}
	if len(parts) == 2 && r.Method == http.MethodGet {
		return ok(z, nil)
	}
	if len(parts) < 3 || parts[2] != "dns_records" || len(parts) > 4 {
		return fail(http.StatusNotFound, 7003, "Could not route to "+path+", perhaps your object identifier is invalid?")
	}
	if !canEdit {
		return fail(http.StatusForbidden, 10000, "Authentication error")
	}
	if len(parts) == 3 {
		switch r.Method {
		case http.MethodGet:
			return s.listRecords(z, r.URL.Query())
		case http.MethodPost:
			var in input
			if err := json.Unmarshal(body, &in); err != nil {
				return fail(http.StatusBadRequest, 9207, "Request body is invalid: "+err.Error())
			}
			rec, e := s.create(z, in)
			if e != nil {
				return fail(http.StatusBadRequest, e.Code, e.Message)
			}
			return ok(rec, nil)
		}
		return fail(http.StatusMethodNotAllowed, 7001, "Method "+r.Method+" not allowed for this endpoint")
	}
	idx := -1
	for i, rec := range s.records[z.ID] {
		if rec.ID == parts[3] {
			idx = i
		}
	}
	if idx < 0 {
		return fail(http.StatusNotFound, 81044, "Record does not exist.")
	}
	rec := s.records[z.ID][idx]
	switch r.Method {
	case http.MethodGet:
		return ok(rec, nil)
	case http.MethodDelete:
		s.records[z.ID] = append(s.records[z.ID][:idx], s.records[z.ID][idx+1:]...)
		return ok(map[string]string{"id": rec.ID}, nil)
	case http.MethodPatch, http.MethodPut:
		var in input
		if err := json.Unmarshal(body, &in); err != nil {
			return fail(http.StatusBadRequest, 9207, "Request body is invalid: "+err.Error())
		}
		if r.Method == http.MethodPut && (in.Name == nil || in.Type == nil || in.Content == nil) {
			return fail(http.StatusBadRequest, 9005, "PUT replaces the record: name, type and content are required")
		}
		out, e := s.update(z, rec, in)
		if e != nil {
			return fail(http.StatusBadRequest, e.Code, e.Message)
		}
		return ok(out, nil)
	}
	return fail(http.StatusMethodNotAllowed, 7001, "Method "+r.Method+" not allowed for this endpoint")
}

// page parses page and per_page and cuts n items, as the API documents.
func page(q url.Values, n, def, maxPer int) (from, to int, info *resultInfo, e *apiError) {
	p, per := 1, def
	if v := q.Get("page"); v != "" {
		x, err := strconv.Atoi(v)
		if err != nil || x < 1 {
			return 0, 0, nil, &apiError{1004, "page must be a positive integer"}
		}
		p = x
	}
	if v := q.Get("per_page"); v != "" {
		x, err := strconv.Atoi(v)
		if err != nil || x < 5 || x > maxPer {
			return 0, 0, nil, &apiError{1004, fmt.Sprintf("per_page must be between 5 and %d", maxPer)}
		}
		per = x
	}
	from = min((p-1)*per, n)
	to = min(from+per, n)
	return from, to, &resultInfo{Page: p, PerPage: per, Count: to - from, TotalCount: n, TotalPages: (n + per - 1) / per}, nil
}

func (s *Server) listZones(q url.Values) reply {
	var match []*Zone
	for _, z := range s.zones {
		if name := q.Get("name"); name == "" || strings.EqualFold(strings.TrimSuffix(name, "."), z.Name) {
			match = append(match, z)
		}
	}
	switch q.Get("order") {
	case "":
	case "name":
		slices.SortStableFunc(match, func(a, b *Zone) int { return strings.Compare(a.Name, b.Name) })
		if q.Get("direction") == "desc" {
			slices.Reverse(match)
		}
	default:
		return fail(http.StatusBadRequest, 1019, "Invalid value for order: "+q.Get("order"))
	}
	from, to, info, e := page(q, len(match), 20, 50)
	if e != nil {
		return fail(http.StatusBadRequest, e.Code, e.Message)
	}
	return ok(match[from:to], info)
}

func (s *Server) listRecords(z *Zone, q url.Values) reply {
	match := []*Record{}
	for _, r := range s.records[z.ID] {
		if v := q.Get("name"); v != "" && !strings.EqualFold(strings.TrimSuffix(v, "."), r.Name) {
			continue
		}
		if v := q.Get("type"); v != "" && !strings.EqualFold(v, r.Type) {
			continue
		}
		if v := q.Get("content"); v != "" && v != r.Content {
			continue
		}
		match = append(match, r)
	}
	from, to, info, e := page(q, len(match), 100, 5000000)
	if e != nil {
		return fail(http.StatusBadRequest, e.Code, e.Message)
	}
	return ok(match[from:to], info)
}

// input is a create or update request body; nil fields are absent.
type input struct {
	Name     *string `json:"name"`
	Type     *string `json:"type"`
	Content  *string `json:"content"`
	TTL      *int    `json:"ttl"`
	Priority *uint16 `json:"priority"`
	Proxied  *bool   `json:"proxied"`
}

func (s *Server) create(z *Zone, in input) (*Record, *apiError) {
	if in.Type == nil || in.Name == nil || in.Content == nil {
		return nil, &apiError{9005, "type, name and content are required"}
	}
	now := time.Now().UTC()
	r := &Record{ID: s.newID("r"), ZoneID: z.ID, ZoneName: z.Name, TTL: 1, CreatedOn: now, ModifiedOn: now}
	if e := s.apply(z, r, in); e != nil {
		return nil, e
	}
	if e := s.conflict(z, r); e != nil {
		return nil, e
	}
	s.records[z.ID] = append(s.records[z.ID], r)
	return r, nil
}

func (s *Server) update(z *Zone, old *Record, in input) (*Record, *apiError) {
	r := *old
	if e := s.apply(z, &r, in); e != nil {
		return nil, e
	}
	if e := s.conflict(z, &r); e != nil {
		return nil, e
	}
	r.ModifiedOn = time.Now().UTC()
	*old = r
	return old, nil
}

// apply sets the fields of in on r, normalized the way the API stores them.
func (s *Server) apply(z *Zone, r *Record, in input) *apiError {
	if in.Type != nil {
		r.Type = strings.ToUpper(*in.Type)
	}
	if in.Name != nil {
		r.Name = absolute(*in.Name, z.Name)
	}
	if in.Content != nil {
		r.Content = *in.Content
	}
	if in.TTL != nil {
		r.TTL = *in.TTL
	}
	if in.Priority != nil {
		p := *in.Priority
		r.Priority = &p
	}
	if in.Proxied != nil {
		r.Proxied = *in.Proxied
	}
	switch r.Type {
	case "A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA", "SRV":
	default:
		return &apiError{9000, "DNS record type is invalid"}
	}
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return &apiError{9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic."}
	}
	switch r.Type {
	case "MX":
		if r.Priority == nil {
			return &apiError{9100, "MX records require a priority"}
		}
		if r.Content != "." { // null MX
			r.Content = strings.TrimSuffix(r.Content, ".")
		}
	case "CNAME", "NS":
		if r.Content != "." {
			r.Content = strings.TrimSuffix(r.Content, ".")
		}
	case "TXT":
		c, err := storeTXT(r.Content)
		if err != nil {
			return &apiError{9100, "Content for TXT record is invalid: " + err.Error()}
		}
		r.Content = c
	}
	if r.Content == "" {
		return &apiError{9005, "Content is required"}
	}
	r.Proxiable = r.Type == "A" || r.Type == "AAAA" || r.Type == "CNAME"
	if !r.Proxiable {
		r.Proxied = false
	}
	return nil
}

// conflict refuses what the API refuses: an identical record, and a CNAME beside
// any other record at the same name.
func (s *Server) conflict(z *Zone, r *Record) *apiError {
	for _, o := range s.records[z.ID] {
		if o.ID == r.ID || o.Name != r.Name {
			continue
		}
		if o.Type == r.Type && o.Content == r.Content && prio(o) == prio(r) {
			return &apiError{81058, "An identical record already exists."}
		}
		if o.Type == "CNAME" || r.Type == "CNAME" {
			return &apiError{81053, "An A, AAAA, or CNAME record with that host already exists."}
		}
	}
	return nil
}

func prio(r *Record) int {
	if r.Priority == nil {
		return -1
	}
	return int(*r.Priority)
}

// absolute turns a record name as the API takes it ("@", relative, or a full
// name with or without the trailing dot) into the stored full name.
func absolute(name, zone string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	switch {
	case name == "@" || name == "":
		return zone
	case name == zone || strings.HasSuffix(name, "."+zone):
		return name
	default:
		return name + "." + zone
	}
}

// storeTXT is the TXT content as stored: as sent, unless a character-string
// would exceed 255 bytes, in which case the text is re-split into quoted
// 255-byte character-strings.
func storeTXT(content string) (string, error) {
	if !strings.HasPrefix(content, `"`) {
		if len(content) <= 255 {
			return content, nil
		}
		return quote(split(content)), nil
	}
	parts, err := unquote(content)
	if err != nil {
		return "", err
	}
	for _, p := range parts {
		if len(p) > 255 {
			return quote(split(strings.Join(parts, ""))), nil
		}
	}
	return content, nil
}

// unquote parses zone-file character-strings: "a" "b\"c".
func unquote(s string) ([]string, error) {
	var parts []string
	s = strings.TrimSpace(s)
	for s != "" {
		if s[0] != '"' {
			return nil, fmt.Errorf("text outside quotes at %q", s)
		}
		var b bytes.Buffer
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, fmt.Errorf("unterminated quote")
		}
		parts = append(parts, b.String())
		s = strings.TrimSpace(s[i+1:])
	}
	return parts, nil
}

func split(text string) []string {
	var out []string
	for len(text) > 255 {
		out = append(out, text[:255])
		text = text[255:]
	}
	return append(out, text)
}

func quote(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for j := 0; j < len(p); j++ {
			if p[j] == '"' || p[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(p[j])
		}
		b.WriteByte('"')
	}
	return b.String()
}
