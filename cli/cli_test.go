package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quickstart copies examples/quickstart to a temporary directory and returns
// the path of its configuration.
func quickstart(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "examples", "quickstart"))); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "mailzone.yaml")
}

type result struct {
	code           int
	stdout, stderr string
}

// mz runs the command line in-process.
func mz(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv:    func(k string) string { return vars[k] },
		LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}
	if vars["TERMINAL"] == "1" {
		env.StdinTerminal, env.StdoutTerminal = true, true
	}
	code := Main(args, env)
	return result{code, out.String(), errb.String()}
}

func readZones(t *testing.T, cfg string) map[string]string {
	t.Helper()
	out := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "zones", "*.zone"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(data)
	}
	return out
}

// TestQuickstart is the README's quick start, end to end: plan shows the
// changes, apply writes them, a second plan shows none, and every line of the
// records mailzone does not own is byte-identical.
func TestQuickstart(t *testing.T) {
	cfg := quickstart(t)
	before := readZones(t, cfg)

	r := mz(t, nil, "", "plan", "--offline", "-c", cfg)
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"zone acme-shop.example (provider files): 1 to add, 2 to change, 0 to delete",
		"~ MX acme-shop.example.",
		`- "v=spf1 include:_spf.oldhost.example ~all"`,
		`+ "v=spf1 include:_spf.mailgate.example.net -all"`,
		`"google-site-verification=4ac9Xq1vT0mOlY7fz3lK" (not managed, kept)`,
		"crm._domainkey.northwind.example. TXT",
		"+ TXT *._domainkey.old-brand.example.",
		"Plan: ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colors without a terminal")
	}
	if r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode"); r.code != 2 {
		t.Errorf("plan --detailed-exitcode with changes: exit %d", r.code)
	}

	// Without a terminal and without --yes, apply refuses and writes nothing.
	r = mz(t, nil, "", "apply", "--offline", "-c", cfg)
	if r.code != 1 || !strings.Contains(r.stderr, "apply needs confirmation") {
		t.Fatalf("apply without --yes: exit %d\n%s", r.code, r.stderr)
	}
	if got := readZones(t, cfg); !equalMaps(got, before) {
		t.Fatal("apply without confirmation changed zone files")
	}

	r = mz(t, nil, "", "apply", "--offline", "-c", cfg, "--yes")
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = mz(t, nil, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode")
	if r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
		t.Fatalf("second plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Unmanaged lines survive byte for byte.
	after := readZones(t, cfg)
	unmanaged := map[string][]string{
		"acme-shop.example.zone": {"; website", "@\t300\tIN\tA\t192.0.2.10", "www\t300\tIN\tCNAME\tacme-shop.example.",
			"@\tIN\tTXT\t\"google-site-verification=4ac9Xq1vT0mOlY7fz3lK\"", "\t\t7200       ; refresh"},
		"northwind.example.zone": {"@\tIN\tTXT\t\"MS=ms48213977\"", "; an old selector still used by the CRM; not declared, so mailzone leaves it"},
		"old-brand.example.zone": {"@\tIN\tA\t192.0.2.30", "; the brand's site redirects to the new one"},
	}
	for file, lines := range unmanaged {
		for _, l := range lines {
			if !strings.Contains(before[file], l+"\n") {
				t.Fatalf("test data: %s lacks %q", file, l)
			}
			if !strings.Contains(after[file], l+"\n") {
				t.Errorf("%s: unmanaged line %q changed or removed:\n%s", file, l, after[file])
			}
		}
	}
	crm := lineWith(before["northwind.example.zone"], "crm._domainkey")
	if crm == "" || lineWith(after["northwind.example.zone"], "crm._domainkey") != crm {
		t.Error("undeclared DKIM selector line changed")
	}
}

func lineWith(text, sub string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSavedPlan applies a saved plan, and refuses one that went stale.
func TestSavedPlan(t *testing.T) {
	cfg := quickstart(t)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	if r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "-out", planFile); r.code != 0 {
		t.Fatalf("plan -out: %d %s", r.code, r.stderr)
	}
	// Someone edits a record the plan read: the verification token beside SPF.
	zf := filepath.Join(filepath.Dir(cfg), "zones", "acme-shop.example.zone")
	data, _ := os.ReadFile(zf)
	edited := strings.Replace(string(data), "google-site-verification=4ac9Xq1vT0mOlY7fz3lK", "google-site-verification=NEW", 1)
	os.WriteFile(zf, []byte(edited), 0o644)
	before := readZones(t, cfg)
	r := mz(t, nil, "", "apply", "--offline", "-c", cfg, planFile)
	if r.code != 1 || !strings.Contains(r.stderr, "zone acme-shop.example: acme-shop.example. TXT changed since the plan was made") ||
		!strings.Contains(r.stderr, "the plan is stale; nothing was changed") {
		t.Fatalf("stale apply: exit %d\n%s", r.code, r.stderr)
	}
	if !equalMaps(before, readZones(t, cfg)) {
		t.Fatal("a stale plan changed zone files")
	}
	// A fresh plan applies without asking, and leaves nothing to do.
	if r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "-out", planFile); r.code != 0 {
		t.Fatalf("plan -out: %d %s", r.code, r.stderr)
	}
	if r := mz(t, nil, "", "apply", planFile, "-c", cfg); r.code != 0 {
		t.Fatalf("apply plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(readZones(t, cfg)["acme-shop.example.zone"], "google-site-verification=NEW") == false {
		t.Error("the edited verification token was lost")
	}
}

func TestPromptOnTerminal(t *testing.T) {
	cfg := quickstart(t)
	before := readZones(t, cfg)
	r := mz(t, map[string]string{"TERMINAL": "1", "NO_COLOR": "1"}, "no\n", "apply", "--offline", "-c", cfg)
	if r.code != 1 || !strings.Contains(r.stdout, "Apply these changes? Only 'yes' will be accepted:") || !strings.Contains(r.stdout, "Apply cancelled; nothing was changed.") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colors despite NO_COLOR")
	}
	if !equalMaps(before, readZones(t, cfg)) {
		t.Fatal("a cancelled apply changed zone files")
	}
	r = mz(t, map[string]string{"TERMINAL": "1"}, "yes\n", "apply", "--offline", "-c", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "\x1b[") {
		t.Fatalf("exit %d, colored %v\n%s%s", r.code, strings.Contains(r.stdout, "\x1b["), r.stdout, r.stderr)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte("version: 1\nproviders: {f: {type: zonefile, directory: .}}\ndomains:\n  a.example: {provider: f, mx: [a.example.net, b.example.net]}\n"), 0o644)
	r := mz(t, nil, "", "plan", "--offline", "-c", cfg)
	want := cfg + ":4:32: domains.a.example.mx: mailzone manages a single MX per domain"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "1 error(s); nothing was changed") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r = mz(t, map[string]string{"GITHUB_ACTIONS": "true"}, "", "lint", "--offline", "-c", cfg)
	if r.code != 1 || !strings.Contains(r.stdout, "::error file="+cfg+",line=4,col=32::domains.a.example.mx: mailzone manages a single MX") {
		t.Fatalf("annotations: exit %d\n%s", r.code, r.stdout)
	}
}

func TestMissingZoneFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailzone.yaml")
	os.WriteFile(cfg, []byte("version: 1\nproviders: {f: {type: zonefile, directory: zones}}\ndomains:\n  a.example: {provider: f, mx: mx.example.net}\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "zones"), 0o755)
	r := mz(t, nil, "", "plan", "--offline", "-c", cfg)
	if r.code != 1 || !strings.Contains(r.stdout, "zone a.example (provider f): error:") || !strings.Contains(r.stderr, "a.example.zone") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestJSONFormat(t *testing.T) {
	cfg := quickstart(t)
	r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "--format", "json", "-d", "acme-shop.example")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "{\n  \"format_version\": 1,") || strings.Contains(r.stdout, "northwind") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if r := mz(t, nil, "", "plan", "--offline", "-c", cfg, "-d", "nope.example"); r.code != 1 || !strings.Contains(r.stderr, "domain nope.example is not in") {
		t.Fatalf("unknown -d: exit %d %s", r.code, r.stderr)
	}
}
