package spf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The openspf RFC 7208 test suite (testdata/rfc7208-tests.yml, see
// testdata/PROVENANCE.md) describes SMTP transactions against a fake DNS
// zone and the check_host() result each should get. mailzone does not
// evaluate SPF, but the parser must agree with the suite on what is a
// syntax error. Every case whose result is permerror is sorted below into
// one of three lists; a new case in the file fails the test until someone
// decides where it belongs.

// suiteParseErrors are permerror cases caused by the syntax of the record
// at the queried domain: Parse must reject that record.
var suiteParseErrors = strings.Fields(`
	non-ascii-policy non-ascii-mech non-ascii-result control-char-policy badip4
	detect-errors-anywhere modifier-charset-bad1 modifier-charset-bad2
	redirect-is-modifier invalid-domain
	all-dot all-arg all-cidr ptr-cidr ptr-empty-domain
	a-bad-cidr4 a-bad-cidr6 a-dual-cidr-ip4-err a-bad-domain a-null a-numeric
	a-numeric-toplabel a-bad-toplabel a-only-toplabel a-only-toplabel-trailing-dot
	a-empty-domain
	include-syntax-error include-cidr include-empty-domain
	mx-bad-cidr4 mx-bad-cidr6 mx-bad-domain mx-null mx-numeric-top-label
	mx-bad-toplab mx-empty-domain
	exists-empty-domain exists-implicit exists-cidr
	cidr4-33 cidr4-032 bare-ip4 bad-ip4-port bad-ip4-short ip4-dual-cidr
	bare-ip6 cidr6-129 cidr6-bad ip6-bad1
	redirect-syntax-error invalid-modifier empty-modifier-name exp-empty-domain
	exp-syntax-error redirect-empty-domain unknown-modifier-syntax
	exp-only-macro-char invalid-macro-char invalid-embedded-macro-char
	invalid-trailing-macro-char undef-macro
`)

// suiteCheckErrors are permerror cases that parse but break a rule of the
// record as a whole, which Check reports: the value is the start of the
// expected Check message.
var suiteCheckErrors = map[string]string{
	"exp-twice":      "exp may appear only once",
	"redirect-twice": "redirect may appear only once",
	// e7: "a mx a mx a mx a mx a ptr a ip4:1.2.3.4 -all" has 11
	// DNS-querying terms in the record itself, so no DNS is needed.
	"mech-over-limit": "record needs 11 DNS lookups",
}

// suiteExcluded are permerror cases this test does not assert, with why.
var suiteExcluded = map[string]string{
	"multitxt1": "two v=spf1 records at one name: record selection, not the syntax of a record",
	"multitxt2": "two v=spf1 records at one name: record selection, not the syntax of a record",
	"multispf1": "two identical records at one name; result may be permerror or fail",
	"include-permerror": "the record at the queried domain is valid; the error is in the included record " +
		"(e6.example.com), which include-syntax-error covers",
	"include-none":       "the included domain has no SPF record: needs DNS",
	"redirect-none":      "the redirect target has no SPF record: needs DNS",
	"redirect-loop":      "lookup limit reached by recursion: needs DNS",
	"include-loop":       "lookup limit reached by recursion: needs DNS",
	"mx-limit":           "limit on MX records returned by DNS",
	"include-over-limit": "lookup limit reached only with the included record's terms: needs DNS",
	"void-over-limit":    "void lookup limit: needs DNS answers",
	"invalid-domain-empty-label": "result is [fail, permerror]: RFC 7208 leaves an empty label undefined; " +
		"the domain-spec is valid ABNF and mailzone accepts it",
	"invalid-domain-long": "result is [fail, permerror]: RFC 7208 leaves a label over 63 bytes undefined; " +
		"the domain-spec is valid ABNF and mailzone accepts it",
	"invalid-domain-long-via-macro": "result is [fail, permerror]: the long label comes from macro expansion",
}

type suiteScenario struct {
	Description string
	Tests       map[string]suiteCase
	Zonedata    map[string][]any
}

type suiteCase struct {
	Description string
	Spec        any
	Helo        string
	Mailfrom    string
	Result      any
}

func (c suiteCase) results() []string {
	switch r := c.Result.(type) {
	case string:
		return []string{r}
	case []any:
		var out []string
		for _, x := range r {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// queried is the domain check_host() starts at: the MAIL FROM domain, or
// the HELO name for a null sender.
func (c suiteCase) queried() string {
	if c.Mailfrom == "" {
		return strings.ToLower(c.Helo)
	}
	return strings.ToLower(c.Mailfrom[strings.LastIndexByte(c.Mailfrom, '@')+1:])
}

// spfRecords returns the v=spf1 records at host. RFC 7208 uses TXT only;
// as the suite asks of its drivers, type SPF entries stand in for TXT when
// the name has no TXT entries (not even "NONE").
func (s suiteScenario) spfRecords(t *testing.T, host string) []string {
	t.Helper()
	var txt, spf []string
	hasTXT := false
	for name, entries := range s.Zonedata {
		if strings.ToLower(name) != host {
			continue
		}
		for _, e := range entries {
			m, ok := e.(map[string]any)
			if !ok {
				continue // TIMEOUT
			}
			for typ, v := range m {
				var text string
				switch v := v.(type) {
				case string:
					text = v
				case []any: // strings of one TXT record, joined without separator
					for _, p := range v {
						text += fmt.Sprint(p)
					}
				default:
					continue
				}
				switch typ {
				case "TXT":
					hasTXT = true
					txt = append(txt, text)
				case "SPF":
					spf = append(spf, text)
				}
			}
		}
	}
	if hasTXT {
		spf = txt
	}
	var out []string
	for _, r := range spf {
		if len(r) >= 6 && strings.EqualFold(r[:6], "v=spf1") && (len(r) == 6 || r[6] == ' ') {
			out = append(out, r)
		}
	}
	return out
}

func loadSuite(t *testing.T) []suiteScenario {
	t.Helper()
	f, err := os.Open("testdata/rfc7208-tests.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []suiteScenario
	dec := yaml.NewDecoder(f)
	for {
		var s suiteScenario
		err := dec.Decode(&s)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decoding scenario %d: %v", len(out)+1, err)
		}
		out = append(out, s)
	}
	return out
}

func TestRFC7208Suite(t *testing.T) {
	parseErrors := map[string]bool{}
	for _, n := range suiteParseErrors {
		parseErrors[n] = true
	}
	seen := map[string]bool{}
	valid := 0
	for _, sc := range loadSuite(t) {
		names := make([]string, 0, len(sc.Tests))
		for n := range sc.Tests {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			c := sc.Tests[name]
			results := c.results()
			records := sc.spfRecords(t, c.queried())
			t.Run(name, func(t *testing.T) {
				switch {
				case parseErrors[name]:
					seen[name] = true
					if len(records) != 1 {
						t.Fatalf("want one SPF record at %s, found %q", c.queried(), records)
					}
					if r, err := Parse(records[0]); err == nil {
						t.Errorf("Parse(%q) = %q, want a syntax error (%s)", records[0], r, sc.Description)
					}
				case suiteCheckErrors[name] != "":
					seen[name] = true
					if len(records) != 1 {
						t.Fatalf("want one SPF record at %s, found %q", c.queried(), records)
					}
					r, err := Parse(records[0])
					if err != nil {
						t.Fatalf("Parse(%q): %v", records[0], err)
					}
					found := false
					for _, p := range Check(r, Policy{}) {
						found = found || (p.Severity == Error && strings.HasPrefix(p.Msg, suiteCheckErrors[name]))
					}
					if !found {
						t.Errorf("Check(%q) = %q, want an error starting %q", records[0], Check(r, Policy{}), suiteCheckErrors[name])
					}
				case suiteExcluded[name] != "":
					seen[name] = true
					t.Skip(suiteExcluded[name])
				case contains(results, "permerror"):
					t.Errorf("permerror case %q is not classified; add it to suiteParseErrors, suiteCheckErrors or suiteExcluded", name)
				case allIn(results, "pass", "fail", "softfail", "neutral") && len(records) == 1:
					valid++
					if _, err := Parse(records[0]); err != nil {
						t.Errorf("Parse(%q): %v; the suite evaluates it to %v", records[0], err, results)
					}
				}
			})
		}
	}
	for _, n := range suiteParseErrors {
		if !seen[n] {
			t.Errorf("case %q listed in suiteParseErrors is not in the suite", n)
		}
	}
	for n := range suiteCheckErrors {
		if !seen[n] {
			t.Errorf("case %q listed in suiteCheckErrors is not in the suite", n)
		}
	}
	for n := range suiteExcluded {
		if !seen[n] {
			t.Errorf("case %q listed in suiteExcluded is not in the suite", n)
		}
	}
	if valid < 50 {
		t.Errorf("only %d records with a pass/fail/softfail/neutral result were parsed; the suite has more", valid)
	}
	t.Logf("%d syntax errors, %d rule errors, %d excluded, %d valid records checked",
		len(suiteParseErrors), len(suiteCheckErrors), len(suiteExcluded), valid)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func allIn(list []string, set ...string) bool {
	for _, x := range list {
		if !contains(set, x) {
			return false
		}
	}
	return len(list) > 0
}
