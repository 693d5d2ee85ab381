package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/rrset"
)

// startApply starts the binary in the background (see startWatched).
func startApply(t *testing.T, dir string, vars map[string]string, args ...string) (stdout, stderr *lockedBuffer, wait func() int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = baseEnv(dir)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return startWatched(t, cmd)
}

// waitFor waits until out holds s, or the process has exited.
func waitFor(t *testing.T, out, errOut *lockedBuffer, s string) {
	t.Helper()
	end := time.Now().Add(60 * time.Second)
	for time.Now().Before(end) {
		if strings.Contains(out.String(), s) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %q in the output within 60s\nstdout:\n%s\nstderr:\n%s", s, out, errOut)
}

var (
	stepLine      = regexp.MustCompile(`^\s+(\d+)\. (add|change|delete)\s+(\S+)\s+(\S+)\s+\((\S+)\)\s+TTL (?:(\d+)→)?(\d+)\s+(\S.*)$`)
	replacingLine = regexp.MustCompile(`^\s+replacing  (\S.*)$`)
	longLine      = regexp.MustCompile(`^\s+Record (\d+) \((\S+)\) is \d+ characters long`)
	zoneLine      = regexp.MustCompile(`^Zone (\S+) \(provider \S+\): \d+ record\(s\) to change by hand$`)
)

// step is one line of printed instructions, as an admin reads it.
type step struct {
	zone, action, typ, host, name, ttl, value, from string
	quoted                                          string // the strings to enter, for a long TXT value
}

// readInstructions parses the instructions in the text mailzone printed,
// as a DNS admin would read them: only what is printed, nothing else.
func readInstructions(t *testing.T, text string) []step {
	t.Helper()
	var steps []step
	zone := ""
	byNumber := map[string]int{} // zone+number -> index
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := zoneLine.FindStringSubmatch(line); m != nil {
			zone = m[1]
			continue
		}
		if m := stepLine.FindStringSubmatch(line); m != nil {
			s := step{zone: zone, action: m[2], typ: m[3], host: m[4], name: m[5], ttl: m[7], value: m[8]}
			if i+1 < len(lines) {
				if r := replacingLine.FindStringSubmatch(lines[i+1]); r != nil {
					s.from = r[1]
					i++
				}
			}
			if s.action == "change" && s.from == "" {
				s.from = s.value // a TTL-only change
			}
			byNumber[zone+"/"+m[1]] = len(steps)
			steps = append(steps, s)
			continue
		}
		if m := longLine.FindStringSubmatch(line); m != nil {
			var parts []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], `    "`) {
				parts = append(parts, strings.TrimSpace(lines[i+1]))
				i++
			}
			steps[byNumber[zone+"/"+m[1]]].quoted = strings.Join(parts, " ")
		}
	}
	if len(steps) == 0 {
		t.Fatalf("no instructions in:\n%s", text)
	}
	return steps
}

// carryOut makes the changes with nsupdate against the primary, as the
// customer's admin would at their DNS host; typo, when set, replaces a
// substring of the value typed in.
func carryOut(t *testing.T, primary *bindtest.Server, steps []step, typo [2]string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(primary.Addr)
	byZone := map[string][]string{}
	var order []string
	rdata := func(s step, v string) string {
		if s.typ != "TXT" {
			return v
		}
		if s.quoted != "" && v == s.value && typo[0] == "" {
			return s.quoted
		}
		return rrset.QuoteTXT(v)
	}
	for _, s := range steps {
		if _, ok := byZone[s.zone]; !ok {
			order = append(order, s.zone)
		}
		value := s.value
		if typo[0] != "" {
			value = strings.Replace(value, typo[0], typo[1], 1)
		}
		switch s.action {
		case "add":
			byZone[s.zone] = append(byZone[s.zone], fmt.Sprintf("update add %s %s %s %s", s.name, s.ttl, s.typ, rdata(s, value)))
		case "change":
			byZone[s.zone] = append(byZone[s.zone],
				fmt.Sprintf("update delete %s %s %s", s.name, s.typ, rdata(s, s.from)),
				fmt.Sprintf("update add %s %s %s %s", s.name, s.ttl, s.typ, rdata(s, value)))
		case "delete":
			byZone[s.zone] = append(byZone[s.zone], fmt.Sprintf("update delete %s %s %s", s.name, s.typ, rdata(s, s.value)))
		}
	}
	for _, zone := range order {
		script := fmt.Sprintf("server %s %s\nzone %s\n%s\nsend\n", host, port, zone, strings.Join(byZone[zone], "\n"))
		cmd := exec.Command("nsupdate", "-y", primary.Key.Algorithm+":"+primary.Key.Name+":"+primary.Key.Secret)
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nsupdate: %v\n%s\nscript:\n%s", err, out, script)
		}
	}
}

// TestManualProviderBIND is the MSP's everyday case, against a real BIND
// primary and secondary: a Microsoft 365 customer (contoso.com) keeps DNS at
// its own host, behind a `manual` provider, while a second customer's zone
// (fabrikam.com) is written through RFC 2136. apply writes fabrikam.com,
// prints contoso.com's changes as instructions, and waits for both; the
// test carries the instructions out with nsupdate, reading only what was
// printed, and apply ends with exit 0. Then a policy change that the admin
// types with a typo ends with exit 3 naming the record. Last, onboard
// prints the instructions for a new manual customer.
func TestManualProviderBIND(t *testing.T) {
	bindtest.Require(t)
	if _, err := exec.LookPath("nsupdate"); err != nil {
		t.Skip("nsupdate not installed: " + bindtest.InstallHint)
	}
	primary := bindtest.StartPrimary(t, bindtest.Options{
		Zone:        "contoso.com",
		MoreZones:   []string{"fabrikam.com", "northwind.com"},
		NegativeTTL: 2 * time.Second,
		Records: []rrset.RRset{
			rrset.New("contoso.com", "@", "MX", 3600, "0 contoso-com.mail.protection.outlook.com."),
			rrset.New("contoso.com", "@", "TXT", 3600, "v=spf1 include:spf.protection.outlook.com -all", "MS=ms48217713"),
			rrset.New("contoso.com", "_dmarc", "TXT", 3600, "v=DMARC1; p=none"),
			rrset.New("contoso.com", "www", "CNAME", 3600, "contoso.azurewebsites.net."),
		},
	})
	secondary := bindtest.StartSecondary(t, primary, bindtest.Options{})
	dir := t.TempDir()
	writePublicKey(t, filepath.Join(dir, "keys", "contoso.com", "mz202612.pub.pem"))
	key := primary.Key
	config := func(dmarc string) {
		writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`# An MSP's fleet: customers on their own DNS host, and one it manages.
version: 1
providers:
  customer-dns: {type: manual}       # the customer's DNS admin makes the changes
  msp-bind:
    type: rfc2136
    server: %q
    key_name: %s
    key_algorithm: %s
    key: "${TSIG_SECRET}"
defaults:
  provider: customer-dns
  resolver: "127.0.0.1:1"            # no recursive resolver: the same on every machine
  verify: {nameservers: [%q]}
profiles:
  msp: &msp
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net], all: fail}
    dmarc: {policy: %s, rua: ["mailto:dmarc-reports@mailgate.example.net"]}
domains:
  contoso.com:
    profile: msp
    verify: {nameservers: [%q, %q]}
    spf: {include: [_spf.mailgate.example.net, spf.protection.outlook.com], all: fail}
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
      mz202612: {key_file: keys/contoso.com/mz202612.pub.pem, created: 2026-12-01}
  fabrikam.com:
    profile: msp
    provider: msp-bind
    dkim:
      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}
`, primary.Addr, key.Name, key.Algorithm, primary.Addr, dmarc, primary.Addr, secondary.Addr))
	}
	vars := map[string]string{"TSIG_SECRET": key.Secret}
	config("quarantine")

	// plan reads contoso.com through its nameservers, and says what it
	// cannot know.
	r := runRaw(t, dir, vars, "plan", "--offline", "--detailed-exitcode")
	if r.code != 2 || !strings.Contains(r.stdout, "zone contoso.com (provider customer-dns): 2 to add, 3 to change, 0 to delete") ||
		!strings.Contains(r.stdout, "unknown: DKIM selectors the configuration does not declare") {
		t.Fatalf("plan: %s", r)
	}

	// apply: fabrikam.com is written, contoso.com is printed; both waited for.
	out, errOut, wait := startApply(t, dir, vars, "apply", "--offline", "--yes", "--instructions", "ticket.md", "--verify-timeout", "60s")
	waitFor(t, out, errOut, "Give the instructions above to their DNS admin.")
	printed := out.String()
	steps := readInstructions(t, printed)
	t.Logf("apply printed:\n%s", printed)
	if len(steps) != 5 {
		t.Errorf("%d steps, want 5 (2 DKIM adds, MX, SPF and DMARC changes): %+v", len(steps), steps)
	}
	for _, s := range steps {
		if s.zone != "contoso.com" {
			t.Errorf("instructions for a zone mailzone writes: %+v", s)
		}
	}
	if !strings.Contains(printed, "zone fabrikam.com: 4 change(s) written") {
		t.Errorf("fabrikam.com not written:\n%s", printed)
	}
	md, err := os.ReadFile(filepath.Join(dir, "ticket.md"))
	if err != nil || !strings.Contains(string(md), "| 1 | add | CNAME | `selector1._domainkey` | `selector1._domainkey.contoso.com.` | 3600 | `selector1-contoso-com._domainkey.contoso.onmicrosoft.com.` |") {
		t.Errorf("ticket.md: %v\n%s", err, md)
	}
	time.Sleep(1500 * time.Millisecond) // the admin reads the ticket; apply keeps waiting
	carryOut(t, primary, steps, [2]string{})
	if code := wait(); code != 0 {
		t.Fatalf("apply after the admin made the changes: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// What was not mailzone's is as it was; the plan is empty.
	if !answer(secondary.Addr, "contoso.com.", 16, "MS=ms48217713") || !answer(secondary.Addr, "www.contoso.com.", 5, "") {
		t.Error("the records mailzone does not own changed")
	}
	if r := runRaw(t, dir, vars, "plan", "--offline", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after the changes: %s", r)
	}
	// The MSP signs once the key is live everywhere: dkim ready works on
	// a manual zone as on any other.
	if r := runRaw(t, dir, vars, "dkim", "ready", "contoso.com", "mz202612", "--wait", "--timeout", "30s"); r.code != 0 || !strings.Contains(r.stdout, "is ready: sign with it") {
		t.Errorf("dkim ready on the manual zone: %s", r)
	}

	// A policy change typed with a typo: exit 3, naming the record.
	config("reject")
	out, errOut, wait = startApply(t, dir, vars, "apply", "--offline", "--yes", "--verify-timeout", "4s")
	waitFor(t, out, errOut, "Give the instructions above to their DNS admin.")
	steps = readInstructions(t, out.String())
	if len(steps) != 1 || steps[0].host != "_dmarc" || !strings.Contains(steps[0].value, "p=reject") {
		t.Fatalf("steps for the DMARC change: %+v", steps)
	}
	carryOut(t, primary, steps, [2]string{"p=reject", "p=rejcet"})
	code := wait()
	all := out.String() + errOut.String()
	if code != 3 || !strings.Contains(all, "dmarc") || !strings.Contains(all, "p=rejcet") {
		t.Errorf("apply after a typo: exit %d, want 3 naming the DMARC record\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("apply after a typo printed:\nstdout:\n%s\nstderr:\n%s", out, errOut)

	// --no-wait only prints, and verify still names what is missing.
	r = runRaw(t, dir, vars, "apply", "--offline", "--yes", "--no-wait")
	if r.code != 0 || !strings.Contains(r.stdout, "Not waiting for them (--no-wait)") {
		t.Errorf("apply --no-wait: %s", r)
	}
	// Every nameserver serves the typo: drift, exit 2, naming the value.
	if r := runRaw(t, dir, vars, "verify", "-d", "contoso.com", "--verify-timeout", "2s"); r.code != 2 || !strings.Contains(r.stdout, "p=rejcet") {
		t.Errorf("verify with the typo served: %s", r)
	}

	// import cannot list a zone it reads name by name.
	if r := runRaw(t, dir, vars, "import", "--provider", "customer-dns", "contoso.com"); r.code != 1 || !strings.Contains(r.stderr, "provider customer-dns is manual: import lists a whole zone") {
		t.Errorf("import from a manual provider: %s", r)
	}

	// onboard a new customer on its own DNS host: the instructions to send.
	r = runRaw(t, dir, vars, "onboard", "northwind.com", "--profile", "msp", "--provider", "customer-dns", "--dkim-selector", "mz202612", "--instructions", "northwind.md")
	t.Logf("onboard printed:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("onboard: %s", r)
	}
	steps = readInstructions(t, r.stdout)
	if len(steps) != 4 {
		t.Errorf("onboard: %d steps, want 4 (MX, SPF, DMARC, the DKIM key): %+v", len(steps), steps)
	}
	long := false
	for _, s := range steps {
		long = long || s.quoted != ""
	}
	if !long {
		t.Errorf("the 2048-bit key's value is not given as strings:\n%s", r.stdout)
	}
	carryOut(t, primary, steps, [2]string{})
	if r := runRaw(t, dir, vars, "verify", "-d", "northwind.com", "--verify-timeout", "30s"); r.code != 0 {
		t.Errorf("verify after carrying out onboard's instructions: %s", r)
	}
}
