package fakeroute53

import (
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const prefix = "/2013-04-01/"

// route maps a request to an operation name and its path parameter.
func route(method, path string) (action, id string) {
	if !strings.HasPrefix(path, prefix) {
		return "", ""
	}
	parts := strings.Split(strings.Trim(strings.TrimPrefix(path, prefix), "/"), "/")
	switch {
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzone":
		return "ListHostedZones", ""
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "hostedzonesbyname":
		return "ListHostedZonesByName", ""
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "hostedzone":
		return "GetHostedZone", parts[1]
	case method == http.MethodGet && len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		return "ListResourceRecordSets", parts[1]
	case method == http.MethodPost && len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		return "ChangeResourceRecordSets", parts[1]
	case method == http.MethodGet && len(parts) == 1 && parts[0] == "delegationset":
		return "ListReusableDelegationSets", ""
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "change":
		return "GetChange", parts[1]
	}
	return "", ""
}

// answer is a response to write: status and XML body.
type answer struct {
	status int
	body   any
}

func apiError(status int, code, msg string) answer {
	e := &xErrorResponse{}
	e.Error.Type = "Sender"
	if status >= 500 {
		e.Error.Type = "Receiver"
	}
	e.Error.Code, e.Error.Message = code, msg
	return answer{status, e}
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	action, id := route(r.Method, r.URL.Path)

	s.mu.Lock()
	lat := s.latency
	s.mu.Unlock()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Action: action, Body: string(body)})
	entry := &s.log[len(s.log)-1]
	reqID := fmt.Sprintf("fake-%08d", len(s.log))

	var a answer
	injected := s.takeFault(action)
	if injected != 0 {
		entry.Injected = injected.String()
	}
	switch {
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "):
		a = apiError(http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token")
	case injected == Throttle:
		a = apiError(http.StatusBadRequest, "Throttling", "Rate exceeded")
	case injected == Unavailable:
		a = apiError(http.StatusServiceUnavailable, "ServiceUnavailable", "Service Unavailable")
	case injected == Drop:
		hangUp(w)
		return
	default:
		a = s.dispatch(action, id, r.URL.Query(), body)
		if injected == ApplyThenDrop {
			hangUp(w)
			return
		}
	}
	entry.Status = a.status
	if e, ok := a.body.(*xErrorResponse); ok {
		e.RequestID = reqID
	}
	out, err := xml.Marshal(a.body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// takeFault consumes the first queued fault that matches action.
func (s *Server) takeFault(action string) Failure {
	for i, f := range s.faults {
		if f.action != "" && f.action != action {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return f.kind
	}
	return 0
}

// hangUp closes the connection without writing a response.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (s *Server) dispatch(action, id string, q url.Values, body []byte) answer {
	switch action {
	case "ListHostedZones":
		return s.listZones(q)
	case "ListHostedZonesByName":
		return s.listZonesByName(q)
	case "GetChange":
		return s.getChange(id)
	case "ListReusableDelegationSets":
		return s.listDelegationSets(q)
	case "":
		return apiError(http.StatusNotFound, "UnknownOperationException", "The requested operation is not served by fakeroute53")
	}
	z := s.zones[id]
	if z == nil {
		return apiError(http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+id)
	}
	switch action {
	case "GetHostedZone":
		return answer{http.StatusOK, &xGetZoneResponse{HostedZone: s.xzone(z), NameServers: z.nameServers}}
	case "ListResourceRecordSets":
		return s.listRRsets(z, q)
	default:
		a := s.changeRRsets(z, body)
		s.publish(z)
		return a
	}
}

func (s *Server) xzone(z *zone) xHostedZone {
	return xHostedZone{ID: "/hostedzone/" + z.id, Name: z.name, CallerReference: z.callerRef, ResourceRecordSetCount: len(z.sets)}
}

func maxItems(q url.Values, def, limit int) (int, bool) {
	v := q.Get("maxitems")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, limit), true
}

func (s *Server) listZones(q url.Values) answer {
	limit, ok := maxItems(q, 100, 100)
	if !ok {
		return apiError(http.StatusBadRequest, "InvalidInput", "Invalid maxitems")
	}
	resp := &xListZonesResponse{Marker: q.Get("marker"), MaxItems: limit}
	order := s.order
	if set := q.Get("delegationsetid"); set != "" {
		if !slices.ContainsFunc(s.sets, func(d *delegationSet) bool { return d.id == set }) {
			return apiError(http.StatusBadRequest, "NoSuchDelegationSet", "A reusable delegation set with the specified ID does not exist: "+set)
		}
		order = slices.DeleteFunc(slices.Clone(order), func(id string) bool { return s.zones[id].setID != set })
	}
	start := 0
	if m := q.Get("marker"); m != "" {
		start = slices.Index(order, m)
		if start < 0 {
			return apiError(http.StatusBadRequest, "InvalidInput", "Invalid marker "+m)
		}
	}
	for i := start; i < len(order); i++ {
		if len(resp.HostedZones) == limit {
			resp.IsTruncated, resp.NextMarker = true, order[i]
			break
		}
		resp.HostedZones = append(resp.HostedZones, s.xzone(s.zones[order[i]]))
	}
	return answer{http.StatusOK, resp}
}

func (s *Server) listZonesByName(q url.Values) answer {
	limit, ok := maxItems(q, 100, 100)
	if !ok {
		return apiError(http.StatusBadRequest, "InvalidInput", "Invalid maxitems")
	}
	dnsName, zoneID := q.Get("dnsname"), q.Get("hostedzoneid")
	if zoneID != "" && dnsName == "" {
		return apiError(http.StatusBadRequest, "InvalidInput", "hostedzoneid requires dnsname")
	}
	zones := make([]*zone, 0, len(s.zones))
	for _, z := range s.zones {
		zones = append(zones, z)
	}
	sort.Slice(zones, func(i, j int) bool {
		ki, kj := sortKey(zones[i].name), sortKey(zones[j].name)
		if ki != kj {
			return ki < kj
		}
		return zones[i].id < zones[j].id
	})
	resp := &xListZonesByNameResponse{DNSName: dnsName, HostedZoneID: zoneID, MaxItems: limit}
	startKey := ""
	if dnsName != "" {
		startKey = sortKey(canonicalName(dnsName))
	}
	for _, z := range zones {
		k := sortKey(z.name)
		if k < startKey || (k == startKey && zoneID != "" && z.id < zoneID) {
			continue
		}
		if len(resp.HostedZones) == limit {
			resp.IsTruncated, resp.NextDNSName, resp.NextHostedZoneID = true, z.name, z.id
			break
		}
		resp.HostedZones = append(resp.HostedZones, s.xzone(z))
	}
	return answer{http.StatusOK, resp}
}

func (s *Server) getChange(id string) answer {
	c := s.changes[strings.TrimPrefix(id, "/change/")]
	if c == nil {
		return apiError(http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist: "+id)
	}
	c.polls++
	status := "INSYNC"
	if c.polls == 1 {
		status = "PENDING"
	}
	return answer{http.StatusOK, &xGetChangeResponse{ChangeInfo: xChangeInfo{ID: "/change/" + c.id, Status: status, SubmittedAt: c.submitted.Format(time.RFC3339)}}}
}

func (s *Server) listRRsets(z *zone, q url.Values) answer {
	limit, ok := maxItems(q, 300, 300)
	if !ok {
		return apiError(http.StatusBadRequest, "InvalidInput", "Invalid maxitems")
	}
	name, typ := q.Get("name"), strings.ToUpper(q.Get("type"))
	if typ != "" && name == "" {
		return apiError(http.StatusBadRequest, "InvalidInput", "The input is not valid: type requires name")
	}
	sets := sortedSets(z.sets)
	start := 0
	if name != "" {
		from := setKey{canonicalName(name), typ}
		start = sort.Search(len(sets), func(i int) bool {
			return !less(setKey{sets[i].Name, sets[i].Type}, from)
		})
	}
	resp := &xListRRsetsResponse{MaxItems: limit}
	for i := start; i < len(sets); i++ {
		if len(resp.RRsets) == limit {
			resp.IsTruncated = true
			resp.NextRecordName, resp.NextRecordType = wireName(sets[i].Name), sets[i].Type
			break
		}
		resp.RRsets = append(resp.RRsets, toXML(sets[i]))
	}
	return answer{http.StatusOK, resp}
}

func toXML(r RRset) xRRset {
	ttl := r.TTL
	x := xRRset{Name: wireName(r.Name), Type: r.Type, TTL: &ttl}
	for _, v := range r.Values {
		x.Records = append(x.Records, xRecord{Value: v})
	}
	return x
}

var knownTypes = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "DS": true, "HTTPS": true,
	"MX": true, "NAPTR": true, "NS": true, "PTR": true, "SOA": true, "SPF": true, "SRV": true, "SSHFP": true,
	"SVCB": true, "TLSA": true, "TXT": true}

// changeRRsets validates the whole batch against a copy of the zone, applying
// the changes in order, and commits the copy only when no change failed.
func (s *Server) changeRRsets(z *zone, body []byte) answer {
	var req xChangeRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return apiError(http.StatusBadRequest, "InvalidInput", "Invalid XML: "+err.Error())
	}
	if len(req.Changes) == 0 {
		return apiError(http.StatusBadRequest, "InvalidInput", "1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null")
	}
	batch := ChangeBatch{ZoneID: z.id}
	for _, c := range req.Changes {
		rs := RRset{Name: canonicalName(c.RRset.Name), Type: strings.ToUpper(c.RRset.Type)}
		if c.RRset.TTL != nil {
			rs.TTL = *c.RRset.TTL
		}
		for _, v := range c.RRset.Records {
			rs.Values = append(rs.Values, v.Value)
		}
		batch.Changes = append(batch.Changes, Change{Action: c.Action, RRset: rs})
		switch {
		case c.Action != "CREATE" && c.Action != "DELETE" && c.Action != "UPSERT":
			return s.reject(batch, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'", c.Action))
		case !knownTypes[rs.Type]:
			return s.reject(batch, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid for RRType", c.RRset.Type))
		case c.RRset.AliasTarget != nil || c.RRset.SetIdentifier != "":
			return s.reject(batch, http.StatusBadRequest, "InvalidInput", "fakeroute53 does not serve alias or routing-policy record sets")
		case c.RRset.TTL == nil || len(rs.Values) == 0:
			return s.reject(batch, http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=null]", c.Action, c.RRset.Name, c.RRset.Type))
		}
	}

	work := make(map[setKey]RRset, len(z.sets))
	for k, v := range z.sets {
		work[k] = v
	}
	var msgs []string
	touched := map[string]bool{}
	for _, c := range batch.Changes {
		rs := c.RRset
		k := setKey{rs.Name, rs.Type}
		desc := fmt.Sprintf("[name='%s', type='%s']", wireName(rs.Name), rs.Type)
		if rs.Name != z.name && !strings.HasSuffix(rs.Name, "."+z.name) {
			msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", wireName(rs.Name), z.name))
			continue
		}
		if m := validate(rs); len(m) > 0 && c.Action != "DELETE" {
			msgs = append(msgs, m...)
			continue
		}
		touched[rs.Name] = true
		cur, exists := work[k]
		switch c.Action {
		case "CREATE":
			if exists {
				msgs = append(msgs, fmt.Sprintf("Tried to create resource record set %s but it already exists", desc))
				continue
			}
			work[k] = rs
		case "UPSERT":
			work[k] = rs
		case "DELETE":
			switch {
			case !exists:
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but it was not found", desc))
			case cur.TTL != rs.TTL || !sameValues(cur.Values, rs.Values):
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set %s but the values provided do not match the current values", desc))
			case rs.Name == z.name && (rs.Type == "SOA" || rs.Type == "NS"):
				msgs = append(msgs, fmt.Sprintf("A HostedZone must contain at least one NS record and exactly one SOA record for the zone itself; cannot delete %s", desc))
			default:
				delete(work, k)
			}
		}
	}
	for name := range touched {
		if _, ok := work[setKey{name, "CNAME"}]; !ok {
			continue
		}
		for k := range work {
			if k.name == name && k.typ != "CNAME" {
				msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", wireName(name), z.name))
				break
			}
		}
	}
	if len(msgs) > 0 {
		sort.Strings(msgs)
		batch.Errors = msgs
		return s.reject(batch, http.StatusBadRequest, "InvalidChangeBatch", "["+strings.Join(msgs, ", ")+"]")
	}
	z.sets = work
	batch.Accepted = true
	s.batches = append(s.batches, batch)
	s.seq++
	c := &change{id: fmt.Sprintf("C%014d", s.seq), submitted: time.Now().UTC()}
	s.changes[c.id] = c
	return answer{http.StatusOK, &xChangeResponse{ChangeInfo: xChangeInfo{ID: "/change/" + c.id, Status: "PENDING",
		SubmittedAt: c.submitted.Format(time.RFC3339), Comment: req.Comment}}}
}

func (s *Server) reject(b ChangeBatch, status int, code, msg string) answer {
	if len(b.Errors) == 0 {
		b.Errors = []string{msg}
	}
	s.batches = append(s.batches, b)
	return apiError(status, code, msg)
}

func sameValues(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	for i := range a {
		a[i] = strings.TrimSpace(a[i])
	}
	for i := range b {
		b[i] = strings.TrimSpace(b[i])
	}
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// validate checks the record data of a set the way Route 53 does for the
// types mailzone writes, returning InvalidChangeBatch messages.
func validate(rs RRset) []string {
	var msgs []string
	seen := map[string]bool{}
	if rs.TTL < 0 || rs.TTL > 2147483647 {
		msgs = append(msgs, fmt.Sprintf("Invalid TTL %d", rs.TTL))
	}
	if rs.Type == "CNAME" && len(rs.Values) > 1 {
		msgs = append(msgs, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted because it has more than one value", wireName(rs.Name)))
	}
	for _, v := range rs.Values {
		if seen[v] {
			msgs = append(msgs, fmt.Sprintf("Duplicate Resource Record: '%s'", v))
		}
		seen[v] = true
		if len(v) > 4000 {
			msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: ValueTooLong (Value is longer than 4000 characters) encountered with '%.40s...''", v))
			continue
		}
		switch rs.Type {
		case "TXT", "SPF":
			if m := checkTXT(v); m != "" {
				msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s encountered with '%s''", m, v))
			}
		case "MX":
			f := strings.Fields(v)
			if len(f) != 2 {
				msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: MXRRDATANotTwoFields (MX record data should have two fields) encountered with '%s''", v))
			} else if n, err := strconv.ParseUint(f[0], 10, 16); err != nil || n > 65535 {
				msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: MXPreferenceNotANumber encountered with '%s''", v))
			}
		case "A":
			if ip := net.ParseIP(v); ip == nil || ip.To4() == nil {
				msgs = append(msgs, fmt.Sprintf("Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '%s''", v))
			}
		}
	}
	return msgs
}

// checkTXT parses TXT data in Route 53 form: one or more double-quoted
// character-strings separated by spaces, with \" \\ and \ooo (octal) escapes,
// each at most 255 bytes once unescaped. It returns Route 53's problem name.
func checkTXT(v string) string {
	i := 0
	strs := 0
	for i < len(v) {
		if v[i] == ' ' || v[i] == '\t' {
			i++
			continue
		}
		if v[i] != '"' {
			return "InvalidCharacterString (Value should be enclosed in quotation marks)"
		}
		i++
		n := 0
		closed := false
		for i < len(v) {
			c := v[i]
			if c == '"' {
				closed = true
				i++
				break
			}
			if c == '\\' && i+1 < len(v) {
				if i+3 < len(v) && isOctal(v[i+1]) && isOctal(v[i+2]) && isOctal(v[i+3]) {
					i += 4
				} else {
					i += 2
				}
				n++
				continue
			}
			i++
			n++
		}
		if !closed {
			return "InvalidCharacterString (Value should be enclosed in quotation marks)"
		}
		if n > 255 {
			return "TXTRDATATooLong (Value is too long)"
		}
		strs++
	}
	if strs == 0 {
		return "InvalidCharacterString (Value should be enclosed in quotation marks)"
	}
	return ""
}
