package fakecf

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, token, method, path, body string) (int, envelope, []json.RawMessage) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var env envelope
	var raw struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("%s %s: not an envelope: %s", method, path, data)
	}
	json.Unmarshal(data, &raw)
	var list []json.RawMessage
	json.Unmarshal(raw.Result, &list)
	return resp.StatusCode, env, list
}

func TestAuth(t *testing.T) {
	s := New(t)
	for _, tc := range []struct {
		token string
		path  string
		want  int
	}{
		{"", "/zones", 400},
		{"nope", "/zones", 401},
		{ZoneReadToken, "/zones", 200},
		{Token, "/zones", 200},
	} {
		code, env, _ := call(t, s, tc.token, "GET", tc.path, "")
		if code != tc.want || env.Success != (code == 200) || (code != 200 && len(env.Errors) == 0) {
			t.Errorf("token %q: %d %+v, want %d", tc.token, code, env, tc.want)
		}
	}
	id := s.AddZone("example.com")
	if code, _, _ := call(t, s, ZoneReadToken, "GET", "/zones/"+id+"/dns_records", ""); code != 403 {
		t.Errorf("read-only token listed records: %d", code)
	}
}

func TestPagination(t *testing.T) {
	s := New(t)
	id := s.AddZone("example.com")
	for i := range 12 {
		s.AddRecord("example.com", Record{Name: fmt.Sprintf("h%d", i), Type: "A", Content: "192.0.2.1", TTL: 300})
	}
	code, env, list := call(t, s, Token, "GET", "/zones/"+id+"/dns_records?per_page=5&page=3", "")
	ri := env.ResultInfo
	if code != 200 || len(list) != 2 || ri == nil || *ri != (resultInfo{Page: 3, PerPage: 5, Count: 2, TotalCount: 12, TotalPages: 3}) {
		t.Errorf("page 3: %d, %d records, %+v", code, len(list), ri)
	}
	if code, _, _ := call(t, s, Token, "GET", "/zones/"+id+"/dns_records?per_page=1", ""); code != 400 {
		t.Errorf("per_page=1 accepted")
	}
	_, _, list = call(t, s, Token, "GET", "/zones/"+id+"/dns_records?name=h3.example.com&type=A", "")
	if len(list) != 1 {
		t.Errorf("name filter: %d records", len(list))
	}
	_, env, list = call(t, s, Token, "GET", "/zones?name=example.com", "")
	if len(list) != 1 || env.ResultInfo.TotalCount != 1 {
		t.Errorf("zone by name: %d", len(list))
	}
}

func TestTXTStorage(t *testing.T) {
	s := New(t)
	s.AddZone("example.com")
	long := strings.Repeat("a", 300)
	for _, tc := range []struct{ in, want string }{
		{"v=spf1 -all", "v=spf1 -all"},
		{`"v=spf1 -all"`, `"v=spf1 -all"`},
		{long, `"` + long[:255] + `" "` + long[255:] + `"`},
		{`"` + long + `"`, `"` + long[:255] + `" "` + long[255:] + `"`}, // the same text, quoted

		{`"` + long[:100] + `" "` + long[100:] + `"`, `"` + long[:100] + `" "` + long[100:] + `"`},
	} {
		id := s.AddRecord("example.com", Record{Name: "t" + tc.in[:3], Type: "TXT", Content: tc.in, TTL: 300})
		for _, r := range s.Records("example.com") {
			if r.ID == id && r.Content != tc.want {
				t.Errorf("stored %.40q as %.60q, want %.60q", tc.in, r.Content, tc.want)
			}
		}
	}
}

func TestWritesAndConflicts(t *testing.T) {
	s := New(t)
	id := s.AddZone("example.com")
	body := `{"type":"TXT","name":"@","content":"\"v=spf1 -all\"","ttl":3600}`
	if code, _, _ := call(t, s, Token, "POST", "/zones/"+id+"/dns_records", body); code != 200 {
		t.Fatalf("create: %d", code)
	}
	if code, env, _ := call(t, s, Token, "POST", "/zones/"+id+"/dns_records", body); code != 400 || env.Errors[0].Code != 81058 {
		t.Errorf("identical record: %d %+v", code, env.Errors)
	}
	if code, _, _ := call(t, s, Token, "POST", "/zones/"+id+"/dns_records", `{"type":"CNAME","name":"example.com","content":"x.example.net","ttl":1}`); code != 400 {
		t.Errorf("CNAME beside TXT: %d", code)
	}
	rid := s.Records("example.com")[0].ID
	if code, _, _ := call(t, s, Token, "PATCH", "/zones/"+id+"/dns_records/"+rid, `{"content":"v=spf1 mx -all"}`); code != 200 {
		t.Errorf("patch: %d", code)
	}
	if r := s.Records("example.com")[0]; r.Content != "v=spf1 mx -all" || r.TTL != 3600 || r.Name != "example.com" {
		t.Errorf("after patch: %+v", r)
	}
	if code, _, _ := call(t, s, Token, "PUT", "/zones/"+id+"/dns_records/"+rid, `{"content":"x"}`); code != 400 {
		t.Errorf("PUT without name and type: %d", code)
	}
	if code, _, _ := call(t, s, Token, "DELETE", "/zones/"+id+"/dns_records/"+rid, ""); code != 200 {
		t.Errorf("delete: %d", code)
	}
	if code, env, _ := call(t, s, Token, "DELETE", "/zones/"+id+"/dns_records/"+rid, ""); code != 404 || env.Errors[0].Code != 81044 {
		t.Errorf("delete again: %d", code)
	}
	if n := len(s.Writes()); n != 7 {
		t.Errorf("%d writes logged, want 7", n)
	}
}

func TestFaults(t *testing.T) {
	s := New(t)
	s.Throttle(1, "7")
	req, _ := http.NewRequest("GET", s.URL()+"/zones", nil)
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("throttle: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	id := s.AddZone("example.com")
	s.Inject(Fault{Method: "POST", Lose: true})
	req, _ = http.NewRequest("POST", s.URL()+"/zones/"+id+"/dns_records", strings.NewReader(`{"type":"A","name":"a","content":"192.0.2.1","ttl":300}`))
	req.Header.Set("Authorization", "Bearer "+Token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("lost response arrived")
	}
	if n := len(s.Records("example.com")); n != 1 {
		t.Errorf("lost write not applied: %d records", n)
	}
	log := s.Log()
	if log[0].Fault != "429" || log[1].Fault != "lose" || log[1].Status != 0 {
		t.Errorf("log %+v", log)
	}
}
