package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onboardFleet is a small MSP configuration: Microsoft 365 customers on the
// gateway's profile, written with comments and mixed styles.
const onboardFleet = `# MSP fleet: customers on the gateway (ticket MSP-1182)
version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults:
  provider: files
  resolver: "127.0.0.1:1"
profiles:
  standard:   # every customer
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com], all: fail}
    dmarc: {policy: none, rua: ["mailto:dmarc@mailgate.example.net"]}
domains:
  contoso.com:
    profile: standard
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
  fabrikam.co.uk: {profile: standard}
`

func zoneText(zone string) string {
	return "$ORIGIN " + zone + ".\n$TTL 3600\n@ IN SOA ns1.dnshost.example.net. hostmaster.dnshost.example.net. 2026110101 7200 3600 1209600 300\n@ IN NS ns1.dnshost.example.net.\n@ IN NS ns2.dnshost.example.net.\nwww IN A 192.0.2.80\n"
}

func onboardDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), onboardFleet)
	for _, z := range []string{"contoso.com", "fabrikam.co.uk", "northwind-traders.com"} {
		writeFile(t, filepath.Join(dir, "zones", z+".zone"), zoneText(z))
	}
	return dir
}

// TestOnboardMissingZoneLeavesNoTrace: a domain whose zone file does not
// exist is refused before anything is written, and the error says what to do.
func TestOnboardMissingZoneLeavesNoTrace(t *testing.T) {
	dir := onboardDir(t)
	before := tree(t, dir)
	r := run(t, dir, nil, "onboard", "tailspin-toys.com", "--profile", "standard", "--dkim-selector", "mz202612")
	if r.code != 1 || !strings.Contains(r.stderr, "zone file does not exist") || !strings.Contains(r.stderr, "--create-zone") {
		t.Fatalf("onboard without a zone: %s", r)
	}
	if after := tree(t, dir); !equalTrees(before, after) {
		t.Fatalf("a refused onboard wrote files: %v", keys(after))
	}
	// The fleet still plans and applies: nothing half-written blocks it.
	if r := run(t, dir, nil, "apply", "--yes"); r.code != 0 {
		t.Fatalf("apply after a refused onboard: %s", r)
	}
	// --create-zone without nameservers says which flags it needs.
	r = run(t, dir, nil, "onboard", "tailspin-toys.com", "--profile", "standard", "--create-zone")
	if r.code != 1 || !strings.Contains(r.stderr, "--ns") {
		t.Fatalf("--create-zone without --ns: %s", r)
	}
	// With them, the zone is created, the domain added, and apply publishes it.
	r = run(t, dir, nil, "onboard", "tailspin-toys.com", "--profile", "standard", "--dkim-selector", "mz202612",
		"--create-zone", "--ns", "ns1.dnshost.example.net", "--ns", "ns2.dnshost.example.net", "--hostmaster", "hostmaster@dnshost.example.net")
	if r.code != 0 || !strings.Contains(r.stdout, "Created the zone tailspin-toys.com") {
		t.Fatalf("onboard --create-zone: %s", r)
	}
	zone, err := os.ReadFile(filepath.Join(dir, "zones", "tailspin-toys.com.zone"))
	if err != nil || !strings.Contains(string(zone), "NS\tns2.dnshost.example.net.") || !strings.Contains(string(zone), "hostmaster.dnshost.example.net.") {
		t.Fatalf("created zone: %v\n%s", err, zone)
	}
	if r := run(t, dir, nil, "apply", "--yes"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	zone, _ = os.ReadFile(filepath.Join(dir, "zones", "tailspin-toys.com.zone"))
	if !strings.Contains(string(zone), "mz202612._domainkey") {
		t.Errorf("the new key is not in the zone:\n%s", zone)
	}
	ign, err := os.ReadFile(filepath.Join(dir, "keys", ".gitignore"))
	if err != nil || !strings.Contains(string(ign), "*.pem\n!*.pub.pem") {
		t.Errorf("keys/.gitignore: %v %q", err, ign)
	}
}

// TestOnboardFromCSV onboards rows of a CSV file, each all-or-nothing: a row
// whose zone is missing, a duplicate and an unknown profile fail alone.
func TestOnboardFromCSV(t *testing.T) {
	dir := onboardDir(t)
	writeFile(t, filepath.Join(dir, "customers.csv"), "\ufeffdomain,profile,provider,dkim_selector\n"+
		"# signed contracts, November\n"+
		"northwind-traders.com,standard,files,mz202612\n"+
		"tailspin-toys.com,standard,,\n"+ // no zone file
		"contoso.com,standard,files,s2\n"+ // already onboarded
		"\"wingtip\ntoys.com\",standard,files,\n"+ // hostile name
		"litware.com,nope,files,\n")
	writeFile(t, filepath.Join(dir, "zones", "litware.com.zone"), zoneText("litware.com"))
	r := run(t, dir, nil, "onboard", "--from", "customers.csv")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", r.code, r)
	}
	for _, want := range []string{
		"customers.csv:3 northwind-traders.com: onboarded (provider files, profile standard, selector mz202612, RSA 2048-bit key",
		"customers.csv:4 tailspin-toys.com: not onboarded: zone tailspin-toys.com:",
		"customers.csv:5 contoso.com: not onboarded: domain contoso.com is already in",
		`customers.csv:6 wingtip\ntoys.com: not onboarded: domain "wingtip\ntoys.com"`,
		`customers.csv:8 litware.com: not onboarded: profile "nope" is not declared`,
		"1 of 5 rows onboarded, 4 failed.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "mailzone.yaml"))
	if !strings.HasPrefix(string(data), onboardFleet) || !strings.Contains(string(data), "northwind-traders.com:") ||
		strings.Contains(string(data), "tailspin") || strings.Contains(string(data), "litware") {
		t.Errorf("configuration after bulk onboard:\n%s", data)
	}
	for _, gone := range []string{"tailspin-toys.com", "litware.com", "contoso.com"} {
		if _, err := os.Stat(filepath.Join(dir, "keys", gone)); err == nil {
			t.Errorf("a failed row left keys for %s", gone)
		}
	}
	if r := run(t, dir, nil, "plan"); r.code != 0 {
		t.Fatalf("plan after bulk onboard: %s", r)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
