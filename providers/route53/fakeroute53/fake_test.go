package fakeroute53

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
)

func call(t *testing.T, s *Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestListOrderFollowsRoute53(t *testing.T) {
	s := Start(t)
	id := s.AddZone("example.com")
	// Labels reversed: com.example.a-b. < com.example.b.a. < com.example.www.
	for _, n := range []string{"www.example.com.", "a.b.example.com.", "a-b.example.com.", "example.com."} {
		s.SetRRset(id, n, "TXT", 60, `"x"`)
	}
	s.SetRRset(id, "example.com.", "MX", 60, "10 mx.example.net.")
	var got []string
	for _, r := range s.Zone(id) {
		got = append(got, r.Name+" "+r.Type)
	}
	want := "example.com. MX,example.com. NS,example.com. SOA,example.com. TXT,a-b.example.com. TXT,a.b.example.com. TXT,www.example.com. TXT"
	if strings.Join(got, ",") != want {
		t.Errorf("order:\n%s\nwant\n%s", strings.Join(got, ","), want)
	}

	// Pages of two, resuming at NextRecordName/NextRecordType.
	path := "/2013-04-01/hostedzone/" + id + "/rrset?maxitems=2"
	var names []string
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		code, body := call(t, s, "GET", path, "")
		if code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		var resp xListRRsetsResponse
		if err := xml.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.RRsets {
			names = append(names, r.Name+" "+r.Type)
		}
		if !resp.IsTruncated {
			break
		}
		path = "/2013-04-01/hostedzone/" + id + "/rrset?maxitems=2&name=" + resp.NextRecordName + "&type=" + resp.NextRecordType
	}
	if strings.Join(names, ",") != want {
		t.Errorf("paged order:\n%s\nwant\n%s", strings.Join(names, ","), want)
	}
	if code, _ := call(t, s, "GET", "/2013-04-01/hostedzone/"+id+"/rrset?type=TXT", ""); code != 400 {
		t.Errorf("type without name answered %d, want 400 InvalidInput", code)
	}
}

func changeXML(action, name, typ, value string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes>` +
		`<Change><Action>` + action + `</Action><ResourceRecordSet><Name>` + name + `</Name><Type>` + typ + `</Type><TTL>300</TTL>` +
		`<ResourceRecords><ResourceRecord><Value>` + value + `</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>` +
		`</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
}

func TestChangeBatchValidation(t *testing.T) {
	s := Start(t)
	id := s.AddZone("example.com")
	path := "/2013-04-01/hostedzone/" + id + "/rrset/"
	long := `"` + strings.Repeat("a", 256) + `"`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"create", changeXML("CREATE", "x.example.com.", "TXT", `"hello"`), "<Status>PENDING</Status>"},
		{"create again", changeXML("CREATE", "x.example.com.", "TXT", `"hello"`), "Tried to create resource record set [name=&#39;x.example.com.&#39;, type=&#39;TXT&#39;] but it already exists"},
		{"delete mismatch", changeXML("DELETE", "x.example.com.", "TXT", `"bye"`), "but the values provided do not match the current values"},
		{"delete missing", changeXML("DELETE", "y.example.com.", "TXT", `"bye"`), "but it was not found"},
		{"string too long", changeXML("UPSERT", "x.example.com.", "TXT", long), "TXTRDATATooLong"},
		{"unquoted", changeXML("UPSERT", "x.example.com.", "TXT", "hello world"), "InvalidCharacterString"},
		{"outside zone", changeXML("CREATE", "x.example.org.", "TXT", `"a"`), "is not permitted in zone example.com."},
		{"cname conflict", changeXML("CREATE", "x.example.com.", "CNAME", "y.example.net."), "RRSet of type CNAME"},
	} {
		code, body := call(t, s, "POST", path, tc.body)
		if !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s\nwant %q", tc.name, code, body, tc.want)
		}
	}
	if r, _ := s.Lookup(id, "x.example.com", "TXT"); len(r.Values) != 1 || r.Values[0] != `"hello"` {
		t.Errorf("rejected batches changed the zone: %+v", r)
	}
	if n := len(s.ChangeBatches()); n != 8 {
		t.Errorf("%d batches logged, want 8", n)
	}
}

func TestAuthAndFaults(t *testing.T) {
	s := Start(t)
	resp, err := http.Get(s.URL() + "/2013-04-01/hostedzone")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("unsigned request answered %d, want 403", resp.StatusCode)
	}
	s.FailNext("", 1, Throttle)
	s.FailNext("", 1, Unavailable)
	if code, body := call(t, s, "GET", "/2013-04-01/hostedzone", ""); code != 400 || !strings.Contains(body, "<Code>Throttling</Code><Message>Rate exceeded</Message>") {
		t.Errorf("throttle: %d %s", code, body)
	}
	if code, _ := call(t, s, "GET", "/2013-04-01/hostedzone", ""); code != 503 {
		t.Errorf("unavailable: %d", code)
	}
	if code, _ := call(t, s, "GET", "/2013-04-01/hostedzone", ""); code != 200 {
		t.Errorf("after faults: %d", code)
	}
	if n := s.Count("ListHostedZones"); n != 4 {
		t.Errorf("logged %d ListHostedZones, want 4", n)
	}
}
