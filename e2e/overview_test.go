package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium, which .ci/run installs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not installed, and CI runs the browser test: apt-get install -y chromium")
	}
	t.Skip("chromium not installed: apt-get install -y chromium")
	return ""
}

// headless runs chromium on a page and returns the DOM it built and every
// console message it logged.
func headless(t *testing.T, browser, page string, extra ...string) (dom string, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, extra...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+page)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			console = append(console, line)
		}
	}
	return out.String(), console
}

// TestOverviewInBrowser writes the fleet overview of a 40-domain fleet in
// the middle of its DMARC rollout, with report evidence whose reporter
// names are hostile HTML, and renders it in headless Chromium: the page
// loads nothing, runs nothing and logs nothing to the console; every domain
// is on it; the hostile names are text; the screenshot is a real page.
func TestOverviewInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	var domains strings.Builder
	var names []string
	for i := range 40 {
		name := fmt.Sprintf("customer%02d.example", i)
		names = append(names, name)
		switch {
		case i%10 == 3:
			fmt.Fprintf(&domains, "  %s: {profile: msp, dmarc: {policy: reject, rollout: []}}\n", name)
		case i%10 == 7:
			fmt.Fprintf(&domains, "  %s: {mail: none}\n", name)
		default:
			fmt.Fprintf(&domains, "  %s: {profile: msp}\n", name)
		}
	}
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), `version: 1
providers:
  files: {type: zonefile, directory: zones}
defaults: {provider: files, resolver: "127.0.0.1:1"}
profiles:
  msp:
    mx: inbound.mailgate.example.net
    spf: {include: [_spf.mailgate.example.net], all: fail}
    dkim:
      selector1: {cname: selector1-contoso-com._domainkey.contoso.onmicrosoft.com}
      s1: {cname: s1.domainkey.u1234.wl.sendgrid.net}
    mta_sts: {mode: enforce, id: "20261201T000000"}
    tls_rpt: {rua: ["mailto:tlsrpt@mailgate.example.net"]}
    dmarc:
      policy: reject
      rua: ["mailto:dmarc-reports@mailgate.example.net"]
      rollout:
        - {policy: none, until: 2027-01-15}
        - {policy: quarantine, testing: true, until: 2027-02-01}
        - {policy: quarantine, until: 2027-03-01, require: {pass_rate: 98%, min_messages: 1000}}
domains:
`+domains.String())
	reports := filepath.Join(dir, "reports")
	os.MkdirAll(reports, 0o755)
	for i, name := range names {
		org := "google.com"
		if i == 0 {
			org = `<script>alert(1)</script>"><img src=x onerror=alert(2)> @customer/admins`
		}
		fail := fmt.Sprint(5 + i*3)
		if i%2 == 0 {
			fail = "400"
		}
		writeFile(t, filepath.Join(reports, name+".xml"), aggregateReport(org, fmt.Sprint(5000+i), name,
			[4]string{"40.107.22.54", "9000", "pass", "pass"}, [4]string{"167.89.118.35", "700", "pass", "fail"}, [4]string{"203.0.113.7", fail, "fail", "fail"}))
	}
	now := map[string]string{"MAILZONE_NOW": "2027-03-05T06:00:00Z"}
	if r := runRaw(t, dir, now, "dmarc", "reports", "--out", "summary.json", "reports"); r.code != 0 {
		t.Fatalf("dmarc reports: %s", r)
	}
	r := runRaw(t, dir, now, "report", "--offline", "--dmarc-evidence", "summary.json", "--html", "overview.html")
	if r.code != 0 {
		t.Fatalf("report: %s", r)
	}
	page := filepath.Join(dir, "overview.html")
	html, _ := os.ReadFile(page)
	for _, bad := range []string{"<script", "<img", "<link", "<iframe", "http://", "https://", "@import", "url("} {
		if strings.Contains(string(html), bad) {
			t.Errorf("the page holds %q: it must be self-contained and inert", bad)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\s(src|href|on[a-z]+)=`).FindString(string(html)); m != "" {
		t.Errorf("the page has an element that loads or runs something: %q", m)
	}

	shot := filepath.Join(dir, "overview.png")
	dom, console := headless(t, browser, page, "--dump-dom")
	if len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	for _, name := range names {
		if !strings.Contains(dom, `data-domain="`+name+`"`) {
			t.Errorf("%s is not on the page", name)
		}
	}
	if !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile reporter name is not shown as text")
	}
	if n := len(regexp.MustCompile(`<svg `).FindAllString(dom, -1)); n != 40 {
		t.Errorf("%d charts, want one per domain with reports (40)", n)
	}
	// The summary at the top counts the domains per stage: held (the 20
	// customers whose reports show 400 failing messages in 10,100), and
	// p=reject (12 whose reports allowed it, 4 without a rollout, 4 parked).
	for _, want := range []string{"<b>20</b>held", "<b>20</b>p=reject"} {
		if !strings.Contains(dom, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if _, console = headless(t, browser, page, "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars"); len(console) > 0 {
		t.Errorf("console messages while taking the screenshot:\n%s", strings.Join(console, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() != 1280 {
		t.Fatalf("screenshot: %v %v", err, img.Bounds())
	}
	if keep := os.Getenv("MAILZONE_KEEP_SCREENSHOT"); keep != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(keep, data, 0o644)
	}

	// --format json carries the same data.
	r = runRaw(t, dir, now, "report", "--offline", "--dmarc-evidence", "summary.json", "--format", "json")
	var doc struct {
		Stages  []struct{ Stage string }
		Domains []struct {
			Name, Step string
			Evidence   *struct{ Messages int64 }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.Domains) != 40 || doc.Domains[0].Step != "held" || doc.Domains[0].Evidence == nil || doc.Domains[0].Evidence.Messages != 10100 {
		t.Errorf("report json: %v %s", err, r)
	}
}
