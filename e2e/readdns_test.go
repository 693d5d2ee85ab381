package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/authdns"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
)

// customers are the MSP's Cloudflare customers in the read-through-DNS tests.
var customers = []string{
	"contoso.com", "fabrikam.com", "northwindtraders.com", "adventure-works.com",
	"tailspintoys.com", "wingtiptoys.com", "woodgrovebank.com", "litwareinc.com",
	"proseware.com", "fourthcoffee.com", "alpineskihouse.com", "margiestravel.com",
}

// cfFleet is a Cloudflare account holding the customers' zones as their
// owners left them (a website, a dashboard-made verification TXT with TTL
// auto), with its nameservers on front, and a configuration for it.
type cfFleet struct {
	cf    *fakecf.Server
	front *authdns.Server
	cfg   string
	dir   string
	vars  map[string]string
}

func newCFFleet(t *testing.T, frontAddr, resolver string) *cfFleet {
	t.Helper()
	f := &cfFleet{cf: fakecf.New(t), dir: t.TempDir(), vars: map[string]string{"CF_TOKEN": fakecf.Token}}
	for i, z := range customers {
		f.cf.AddZone(z)
		f.cf.AddRecord(z, fakecf.Record{Name: z, Type: "A", Content: fmt.Sprintf("203.0.113.%d", 10+i), TTL: 1})
		f.cf.AddRecord(z, fakecf.Record{Name: "www." + z, Type: "CNAME", Content: z, TTL: 1})
		f.cf.AddRecord(z, fakecf.Record{Name: z, Type: "TXT", Content: `"google-site-verification=4ac9Xq1vT0mOlY7fz3lK` + fmt.Sprint(i) + `"`, TTL: 1})
	}
	f.front = f.cf.StartDNS(t, frontAddr)
	verify := fmt.Sprintf("\n  verify: {nameservers: [%q]}", f.front.Addr)
	if resolver != "" {
		verify = fmt.Sprintf("\n  resolver: %q", resolver)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# The MSP's Cloudflare customers: one policy, DKIM delegated to Microsoft 365.
version: 1
providers:
  cf: {type: cloudflare, api_token: "${CF_TOKEN}", endpoint: %q, rate: "200"}
defaults:
  provider: cf
  ttl: 3600%s
profiles:
  m365: &m365
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com]}
    dmarc: {policy: reject, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
domains:
`, f.cf.URL(), verify)
	for _, z := range customers {
		tenant := strings.ReplaceAll(strings.TrimSuffix(z, ".com"), "-", "")
		dashed := strings.ReplaceAll(z, ".", "-")
		fmt.Fprintf(&b, "  %s:\n    profile: m365\n    dkim:\n      selector1: {cname: selector1-%s._domainkey.%s.onmicrosoft.com}\n      selector2: {cname: selector2-%s._domainkey.%s.onmicrosoft.com}\n", z, dashed, tenant, dashed, tenant)
	}
	f.cfg = filepath.Join(f.dir, "mailzone.yaml")
	writeFile(t, f.cfg, b.String())
	return f
}

// plan runs plan --format json through the binary and returns the exit code,
// the plan, and the API requests it made.
func (f *cfFleet) plan(t *testing.T, extra ...string) (int, planJSON, []fakecf.Request) {
	t.Helper()
	f.cf.ResetLog()
	r := run(t, f.dir, f.vars, append([]string{"plan", "--offline", "--detailed-exitcode", "--format", "json", "-c", f.cfg}, extra...)...)
	if r.code != 0 && r.code != 2 {
		t.Fatalf("plan: %s", r)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, r)
	}
	return r.code, p, f.cf.Log()
}

type planJSON struct {
	Zones []struct {
		Zone     string            `json:"zone"`
		ReadVia  string            `json:"read_via"`
		ReadNote string            `json:"read_note"`
		Error    string            `json:"error"`
		Changes  []json.RawMessage `json:"changes"`
	} `json:"zones"`
}

// via returns the zones read each way, and those with changes.
func (p planJSON) via() (dns, api, changed []string) {
	for _, z := range p.Zones {
		switch z.ReadVia {
		case "dns":
			dns = append(dns, z.Zone)
		default:
			api = append(api, z.Zone)
		}
		if len(z.Changes) > 0 {
			changed = append(changed, z.Zone)
		}
	}
	return
}

// listed returns the zones whose records were listed through the API.
func (f *cfFleet) listed(log []fakecf.Request) []string {
	ids := map[string]string{}
	for _, z := range customers {
		for _, r := range f.cf.Records(z) {
			ids[r.ZoneID] = z
		}
	}
	var out []string
	for _, r := range log {
		parts := strings.Split(strings.Trim(r.Path, "/"), "/")
		if r.Method == "GET" && len(parts) == 3 && parts[2] == "dns_records" {
			out = append(out, ids[parts[1]])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// setDMARC changes a zone's DMARC record as someone in the dashboard would.
func (f *cfFleet) setDMARC(t *testing.T, zone, value string) {
	t.Helper()
	for _, r := range f.cf.Records(zone) {
		if r.Name == "_dmarc."+zone {
			f.cf.DeleteRecord(zone, r.ID)
		}
	}
	if value != "" {
		f.cf.AddRecord(zone, fakecf.Record{Name: "_dmarc." + zone, Type: "TXT", Content: `"` + value + `"`, TTL: 3600})
	}
}

// TestReadThroughDNS is the MSP's nightly drift check of a Cloudflare
// account: after the fleet is applied, a no-op plan reads every zone from
// the account's nameservers and lists none through the API; a zone changed
// in the dashboard is listed, and only it; and whatever the nameservers do
// (lag behind the API, answer without AA, time out, answer from a wildcard)
// the plan is exactly the plan --read api makes.
func TestReadThroughDNS(t *testing.T) {
	f := newCFFleet(t, "127.0.0.1:0", "")
	if r := run(t, f.dir, f.vars, "apply", "--offline", "--yes", "--no-verify", "-c", f.cfg); r.code != 0 {
		t.Fatalf("first apply: %s", r)
	}

	// The no-op plan: no record listing, every zone read from DNS.
	code, p, log := f.plan(t)
	dns, api, changed := p.via()
	if code != 0 || len(dns) != len(customers) || len(api) != 0 || len(changed) != 0 {
		t.Fatalf("no-op plan: exit %d, dns %v, api %v, changed %v", code, dns, api, changed)
	}
	if l := f.listed(log); len(l) != 0 {
		t.Errorf("no-op plan listed %v through the API", l)
	}
	t.Logf("no-op plan of %d zones: %d API request(s), %d DNS question(s) so far", len(customers), len(log), f.front.Queries.Load())

	// Drift in the dashboard: exactly the drifted zones are listed.
	f.setDMARC(t, "northwindtraders.com", "v=DMARC1; p=none")
	f.setDMARC(t, "margiestravel.com", "")
	code, p, log = f.plan(t)
	_, api, changed = p.via()
	want := []string{"margiestravel.com", "northwindtraders.com"}
	if code != 2 || !slices.Equal(changed, want) || !slices.Equal(api, want) || !slices.Equal(f.listed(log), want) {
		t.Fatalf("drift: exit %d, changed %v, read through the API %v, listed %v; want %v", code, changed, api, f.listed(log), want)
	}
	// The plan equals the one read through the API.
	_, apiPlan, _ := f.plan(t, "--read", "api")
	if got, want := changesOf(p), changesOf(apiPlan); got != want {
		t.Errorf("the DNS-first plan differs from --read api:\n%s\n---\n%s", got, want)
	}

	// Apply while the nameservers lag 30 s behind the API: verification
	// gives up after its timeout, exit 3, naming the nameserver still stale
	// and what it serves; the plan right after sees the old records in DNS,
	// lists those zones, and is empty.
	f.front.SetLag(30 * time.Second)
	r := runRaw(t, f.dir, f.vars, "apply", "--offline", "--yes", "--verify-timeout", "3s", "-c", f.cfg)
	if r.code != 3 || !strings.Contains(r.stdout+r.stderr, f.front.Addr) || !strings.Contains(r.stdout+r.stderr, "p=none") {
		t.Fatalf("apply while DNS lags: want exit 3 naming %s and the stale p=none: %s", f.front.Addr, r)
	}
	t.Logf("apply while DNS lags, exit %d:\n%s", r.code, tailLines(r.stdout+r.stderr, 12))
	code, p, log = f.plan(t)
	_, api, changed = p.via()
	if code != 0 || len(changed) != 0 || !slices.Equal(api, want) || !slices.Equal(f.listed(log), want) {
		t.Fatalf("plan while DNS lags: exit %d, changed %v, read through the API %v; want %v", code, changed, api, want)
	}
	for _, z := range p.Zones {
		if z.ReadVia == "api" && !strings.Contains(z.ReadNote, "differ") {
			t.Errorf("%s: read note %q", z.Zone, z.ReadNote)
		}
	}

	// The window the README documents: a dashboard change not yet served
	// is not seen by this plan, and is by the next one once served.
	f.setDMARC(t, "fabrikam.com", "v=DMARC1; p=none")
	if code, _, _ = f.plan(t); code != 0 {
		t.Errorf("a change not yet served was seen: exit %d", code)
	}
	f.front.SetLag(0)
	code, p, _ = f.plan(t)
	if _, _, changed = p.via(); code != 2 || !slices.Equal(changed, []string{"fabrikam.com"}) {
		t.Errorf("once served, the change is seen: exit %d, changed %v", code, changed)
	}
	f.setDMARC(t, "fabrikam.com", "v=DMARC1; p=reject; rua=mailto:dmarc-reports@mailgate.example.net")

	// Nameservers without AA, or silent: every zone is listed, and the
	// plan is still exact.
	for _, fault := range []struct {
		name string
		set  func(bool)
		note string
	}{
		{"without AA", f.front.SetNoAA, "AA"},
		{"timing out", f.front.SetSilent, "timeout"},
	} {
		fault.set(true)
		f.setDMARC(t, "woodgrovebank.com", "v=DMARC1; p=quarantine")
		code, p, log = f.plan(t)
		fault.set(false)
		_, api, changed = p.via()
		if code != 2 || len(api) != len(customers) || !slices.Equal(changed, []string{"woodgrovebank.com"}) || len(f.listed(log)) != len(customers) {
			t.Errorf("nameservers %s: exit %d, read through the API %d, changed %v", fault.name, code, len(api), changed)
		}
		if !strings.Contains(p.Zones[0].ReadNote, fault.note) {
			t.Errorf("nameservers %s: read note %q does not say %q", fault.name, p.Zones[0].ReadNote, fault.note)
		}
		f.setDMARC(t, "woodgrovebank.com", "v=DMARC1; p=reject; rua=mailto:dmarc-reports@mailgate.example.net")
	}

	// A wildcard TXT whose value equals the DMARC record that is missing:
	// DNS would answer the desired value for _dmarc; the probe sees the
	// wildcard, so the zone is listed and the create is planned.
	dmarc := "v=DMARC1; p=reject; rua=mailto:dmarc-reports@mailgate.example.net"
	f.setDMARC(t, "litwareinc.com", "")
	f.cf.AddRecord("litwareinc.com", fakecf.Record{Name: "*.litwareinc.com", Type: "TXT", Content: `"` + dmarc + `"`, TTL: 3600})
	code, p, _ = f.plan(t)
	_, api, changed = p.via()
	if code != 2 || !slices.Equal(changed, []string{"litwareinc.com"}) || !slices.Equal(api, []string{"litwareinc.com"}) {
		t.Fatalf("wildcard: exit %d, changed %v, read through the API %v", code, changed, api)
	}

	// --read api asks no nameserver.
	before := f.front.Queries.Load()
	_, p, _ = f.plan(t, "--read", "api")
	if n := f.front.Queries.Load() - before; n != 0 {
		t.Errorf("--read api asked %d DNS question(s)", n)
	}
	for _, z := range p.Zones {
		if z.ReadVia != "" {
			t.Errorf("--read api: %s read_via %q", z.Zone, z.ReadVia)
		}
	}
}

// TestReadThroughAssignedNameservers reads zones from the nameservers
// Cloudflare assigned (name_servers in the zone listing), found through the
// resolver, not from the delegation: here the resolver knows no delegation
// at all. It needs port 53 on a loopback address.
func TestReadThroughAssignedNameservers(t *testing.T) {
	const ip = "127.0.0.71"
	needPort53(t, ip)
	f := newCFFleet(t, ip+":53", ip+":53")
	f.front.AddHost("ada.ns.cloudflare.com", net.ParseIP(ip))
	f.front.AddHost("bob.ns.cloudflare.com", net.ParseIP(ip))
	if r := run(t, f.dir, f.vars, "apply", "--offline", "--yes", "--no-verify", "-c", f.cfg); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	code, p, log := f.plan(t)
	dns, _, _ := p.via()
	if code != 0 || len(dns) != len(customers) || len(f.listed(log)) != 0 {
		t.Fatalf("no-op plan through the assigned nameservers: exit %d, read from DNS %v, listed %v", code, dns, f.listed(log))
	}
	for _, r := range log {
		if r.Path != "/zones" {
			t.Errorf("request other than the zone listing: %s", r)
		}
	}
}

// changesOf renders a plan's changes for comparison.
func changesOf(p planJSON) string {
	var b strings.Builder
	for _, z := range p.Zones {
		for _, c := range z.Changes {
			fmt.Fprintf(&b, "%s %s\n", z.Zone, c)
		}
	}
	return b.String()
}

// TestReadThroughDNSRoute53 is the drift check of a Route 53 account whose
// customer zones share a reusable (white-label) delegation set: the plan
// learns the set's nameservers from two listings, reads every zone in it
// from them, and lists through the API only the zones that drifted and the
// zone outside the set. It needs port 53 on a loopback address, where the
// set's nameserver names resolve.
func TestReadThroughDNSRoute53(t *testing.T) {
	const ip = "127.0.0.72"
	needPort53(t, ip)
	r53 := fakeroute53.Start(t)
	set := r53.AddDelegationSet("ns1.mailgate-dns.net", "ns2.mailgate-dns.net", "ns3.mailgate-dns.org", "ns4.mailgate-dns.co.uk")
	var zones []string
	for i := 0; i < 60; i++ {
		z := fmt.Sprintf("%s%02d.com", customers[i%len(customers)][:strings.Index(customers[i%len(customers)], ".")], i)
		zones = append(zones, z)
		id := r53.AddZoneInSet(z, set)
		r53.SetRRset(id, z, "A", 300, "203.0.113.10")
		r53.SetRRset(id, z, "TXT", 300, `"google-site-verification=4ac9Xq1vT0mOlY7fz3lK"`)
	}
	outside := "proseware-legacy.com" // created before the MSP used a delegation set
	r53.AddZone(outside)
	zones = append(zones, outside)
	front := r53.StartDNS(t, ip+":53")
	for _, ns := range []string{"ns1.mailgate-dns.net", "ns2.mailgate-dns.net", "ns3.mailgate-dns.org", "ns4.mailgate-dns.co.uk"} {
		front.AddHost(ns, net.ParseIP(ip))
	}
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
providers:
  aws: {type: route53, region: us-east-1, access_key_id: "${AWS_KEY}", secret_access_key: "${AWS_SECRET}", endpoint: %q, rate: "500"}
defaults:
  provider: aws
  ttl: 3600
  resolver: "%s:53"
profiles:
  std: {mx: inbound.mailgate.example.net, spf: {include: [_spf.mailgate.example.net]}, dmarc: {policy: reject}}
domains:
`, r53.URL(), ip)
	for _, z := range zones {
		fmt.Fprintf(&b, "  %s: {profile: std}\n", z)
	}
	cfg := filepath.Join(dir, "mailzone.yaml")
	writeFile(t, cfg, b.String())
	vars := map[string]string{"AWS_KEY": "AKIDEXAMPLE", "AWS_SECRET": awsSecret}
	if r := run(t, dir, vars, "apply", "--offline", "--yes", "--no-verify", "-c", cfg); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	plan := func() (int, planJSON, map[string]int) {
		r53.ResetLog()
		r := run(t, dir, vars, "plan", "--offline", "--detailed-exitcode", "--format", "json", "-c", cfg)
		var p planJSON
		if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
			t.Fatalf("plan: %v\n%s", err, r)
		}
		actions := map[string]int{}
		for _, q := range r53.Requests() {
			actions[q.Action]++
		}
		return r.code, p, actions
	}
	code, p, actions := plan()
	dnsRead, apiRead, changed := p.via()
	if code != 0 || len(dnsRead) != 60 || !slices.Equal(apiRead, []string{outside}) || len(changed) != 0 || actions["ListResourceRecordSets"] != 1 {
		t.Fatalf("no-op plan: exit %d, from DNS %d, through the API %v, changed %v, requests %v", code, len(dnsRead), apiRead, changed, actions)
	}
	t.Logf("no-op plan of %d zones: requests %v", len(zones), actions)

	// Two zones drift; exactly they (and the zone outside the set) are listed.
	for _, z := range []string{zones[7], zones[42]} {
		zid := hostedZoneID(t, r53, z)
		r53.SetRRset(zid, "_dmarc."+z, "TXT", 3600, `"v=DMARC1; p=none"`)
	}
	code, p, actions = plan()
	_, apiRead, changed = p.via()
	want := []string{zones[42], zones[7]}
	slices.Sort(want)
	if code != 2 || !slices.Equal(changed, want) || len(apiRead) != 3 || actions["ListResourceRecordSets"] != 3 {
		t.Fatalf("drift: exit %d, changed %v (want %v), through the API %v, requests %v", code, changed, want, apiRead, actions)
	}
}

// hostedZoneID finds the id of the hosted zone called zone in the fake.
func hostedZoneID(t *testing.T, r53 *fakeroute53.Server, zone string) string {
	t.Helper()
	for i := 1; i < 1000; i++ {
		id := fmt.Sprintf("Z%014d", i)
		if _, ok := r53.Lookup(id, zone, "SOA"); ok {
			return id
		}
	}
	t.Fatalf("no hosted zone %s", zone)
	return ""
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestReadThroughDNSParked: a parked brand (mail: none) publishes the null
// MX, "v=spf1 -all", DMARC reject and the wildcard *._domainkey revocation.
// The wildcard is asked for by its own name, so the zone is still read
// from its nameservers, and a missing piece is still seen.
func TestReadThroughDNSParked(t *testing.T) {
	f := newCFFleet(t, "127.0.0.1:0", "")
	f.cf.AddZone("old-brand.com")
	f.cf.AddRecord("old-brand.com", fakecf.Record{Name: "old-brand.com", Type: "A", Content: "203.0.113.99", TTL: 1})
	data, _ := os.ReadFile(f.cfg)
	writeFile(t, f.cfg, string(data)+"  old-brand.com: {mail: none}   # parked since the rebrand\n")
	if r := run(t, f.dir, f.vars, "apply", "--offline", "--yes", "--no-verify", "-c", f.cfg); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	code, p, _ := f.plan(t, "-d", "old-brand.com")
	if dns, _, _ := p.via(); code != 0 || !slices.Equal(dns, []string{"old-brand.com"}) {
		t.Fatalf("parked zone: exit %d, read from DNS %v: %+v", code, dns, p.Zones)
	}
	for _, r := range f.cf.Records("old-brand.com") {
		if r.Name == "*._domainkey.old-brand.com" {
			f.cf.DeleteRecord("old-brand.com", r.ID)
		}
	}
	code, p, _ = f.plan(t, "-d", "old-brand.com")
	if _, api, changed := p.via(); code != 2 || !slices.Equal(changed, []string{"old-brand.com"}) || !slices.Equal(api, []string{"old-brand.com"}) {
		t.Fatalf("the wildcard revocation deleted in the dashboard: exit %d, changed %v, listed %v", code, changed, api)
	}
}

// needPort53 skips the test where port 53 of ip cannot be bound (not root),
// and fails it under CI, which runs as root: discovered nameservers are
// asked on port 53.
func needPort53(t *testing.T, ip string) {
	t.Helper()
	l, err := net.ListenPacket("udp", ip+":53")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("port 53 on %s: %v", ip, err)
		}
		t.Skipf("port 53 on %s: %v", ip, err)
	}
	l.Close()
}
