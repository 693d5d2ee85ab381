package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// splitFleet is a configuration as an MSP keeps one: comments between and
// inside entries, flow and block styles, quoted keys, a folded scalar, a
// domain with its own zone, and entries of different lengths.
func splitFleet(n int) string {
	var b strings.Builder
	b.WriteString("# customer fleet, one entry per customer\nversion: 1\nproviders:\n  cf: {type: testdns, server: \"127.0.0.1:53\", token: \"${CF_API_TOKEN}\"}\n  files:\n    type: testdns\n    server: 127.0.0.1:53\ndefaults: {provider: files, ttl: 3600}\nprofiles:\n  standard:\n    mx: inbound.mailgate.example.net\n    spf: {include: [_spf.mailgate.example.net], all: fail}\n    dmarc: {policy: quarantine, rua: [\"mailto:dmarc@mailgate.example.net\"]}\n\ndomains:   # customers\n\n")
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "  customer%05d.example: {profile: standard}   # flow\n", i)
		case 1:
			fmt.Fprintf(&b, "  \"customer%05d.example\":\n    profile: standard\n    dkim:\n      selector1: {cname: selector1-customer%05d-example._domainkey.customer%05d.onmicrosoft.com}\n\n", i, i, i)
		case 2:
			fmt.Fprintf(&b, "# moved to us in 2026\n  customer%05d.example:\n    profile: standard\n    provider: cf\n    dmarc:\n      policy: none\n      rua:\n        - mailto:dmarc@mailgate.example.net\n", i)
		case 3:
			fmt.Fprintf(&b, "  customer%05d.example:\n    profile: standard\n    zone: example\n    mx: >-\n      mx%05d.mailgate.example.net\n", i, i)
		default:
			fmt.Fprintf(&b, "  customer%05d.example:\n    profile: standard\n    dkim:\n      s1: {cname: s1.domainkey.u%d.wl.sendgrid.net}\n      s2: {cname: s2.domainkey.u%d.wl.sendgrid.net}\n", i, i, i)
		}
	}
	b.WriteString("# end of the fleet\n")
	return b.String()
}

// sameNode compares two trees as the loader sees them: kinds, tags, styles,
// values, anchors and positions; comments aside.
func sameNode(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Style != b.Style || a.Value != b.Value || a.Anchor != b.Anchor || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: %+v\nwant %+v", path, *a, *b)
	}
	for i := range a.Content {
		if err := sameNode(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// spliced is the root mapping of a cut file: its rest, with the pieces' entries
// (read as the load reads them) as the domains: mapping; nil where a part
// does not read.
func spliced(c *cut) *yaml.Node {
	root := c.restRoot()
	if root == nil {
		return nil
	}
	var entries []*yaml.Node
	var first *yaml.Node
	for _, p := range c.pieces {
		m := c.node(p)
		if m == nil {
			return nil
		}
		if first == nil {
			first = m
		}
		entries = append(entries, m.Content...)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "domains" {
			root.Content[i+1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: first.Line, Column: first.Column, Content: entries}
		}
	}
	return root
}

// TestCutSameTree: wherever a file is cut, its rest and pieces give the
// tree yaml.v3 gives for the whole file; where it cannot be, it is not.
func TestCutSameTree(t *testing.T) {
	old := splitMin
	splitMin = 0
	defer func() { splitMin = old }()
	texts := map[string]string{"fleet of 503": splitFleet(503), "fleet of 12": splitFleet(12)}
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*", "mailzone.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "e2e", "testdata", "*", "*.yaml"))
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[f] = string(data)
	}
	unsplit := map[string]string{
		"alias":          strings.Replace(splitFleet(40), "profiles:\n  standard:", "profiles:\n  standard: &std", 1) + "  extra.example: *std\n",
		"flow domains":   "version: 1\ndomains: {a.example: {mx: x}, b.example: {mx: y}, c.example: {mx: z}, d.example: {mx: w}}\n",
		"two documents":  splitFleet(40) + "---\nversion: 1\n",
		"tab":            strings.Replace(splitFleet(40), "# end", "\t# end", 1),
		"domains twice":  splitFleet(20) + "domains:\n  x.example: {}\n",
		"sequence":       "version: 1\ndomains:\n  - a\n  - b\n  - c\n  - d\n  - e\n",
		"broken quote":   strings.Replace(splitFleet(40), "policy: none", "policy: \"none\n none\"", 1),
		"less indented":  strings.Replace(splitFleet(40), "  customer00010.example: {profile: standard}", " customer00010.example: {profile: standard}", 1),
		"not valid YAML": strings.Replace(splitFleet(40), "profile: standard\n    zone", "profile: [standard\n    zone", 1),
	}
	for name, text := range unsplit {
		texts[name] = text
	}
	split := map[string]int{}
	for name, text := range texts {
		var want yaml.Node
		werr := yaml.Unmarshal([]byte(text), &want)
		for _, n := range []int{2, 3, 7} {
			c := cutFile(text, n)
			if c == nil {
				continue
			}
			got := spliced(c)
			if got == nil {
				continue
			}
			split[name]++
			if _, ok := unsplit[name]; ok {
				t.Errorf("%s: cut in %d", name, n)
			}
			if werr != nil {
				t.Errorf("%s: cut in %d, but yaml.v3 refuses the whole: %v", name, n, werr)
				continue
			}
			if err := sameNode(got, want.Content[0], name); err != nil {
				t.Errorf("%s in %d pieces: %v", name, n, err)
			}
		}
	}
	if split["fleet of 503"] != 3 || split["fleet of 12"] != 3 {
		t.Errorf("the fleets were cut %v times; want 3 and 3", split)
	}
}

// TestCutDiagnostics: a fleet with errors in several pieces gets the same
// diagnostics, at the same lines, cut or not; a domain declared twice
// across pieces sends the file to the whole load, which reports it.
func TestCutDiagnostics(t *testing.T) {
	text := splitFleet(300)
	text = strings.Replace(text, "customer00007.example:\n    profile: standard", "customer00007.example:\n    profile: standrad", 1)
	text = strings.Replace(text, "customer00290.example: {profile: standard}", "customer00290.example: {profile: standard, ttl: -5}", 1)
	text = strings.Replace(text, "customer00150.example: {profile: standard}", "customer00150.example: {profile: standard, mx: 192.0.2.1}", 1)
	env := func(string) (string, bool) { return "token", true }
	for name, text := range map[string]string{
		"errors in three pieces":            text,
		"and a duplicate in the last piece": text + "  customer00001.example: {profile: standard}\n",
		"and two spellings of one domain":   text + "  Customer00002.Example.: {profile: standard}\n",
	} {
		t.Run(name, func(t *testing.T) {
			parse := func() string {
				_, err := Parse("fleet.yaml", []byte(text), env)
				return fmt.Sprint(err)
			}
			whole := parse()
			old := splitMin
			splitMin = 0
			defer func() { splitMin = old }()
			if cutFile(text, 2) == nil {
				t.Fatal("the fleet was not cut")
			}
			_, cutLoads := (&loader{file: "fleet.yaml", env: env}).configCut(text)
			if dup := strings.Contains(name, "duplicate") || strings.Contains(name, "spellings"); cutLoads == dup {
				t.Errorf("loaded cut: %v; want %v", cutLoads, !dup)
			}
			if cut := parse(); cut != whole {
				t.Errorf("cut:\n%s\nwhole:\n%s", cut, whole)
			}
			for _, want := range []string{"standrad", "ttl", "192.0.2.1"} {
				if !strings.Contains(whole, want) {
					t.Errorf("diagnostics lack %q:\n%s", want, whole)
				}
			}
		})
	}
}

// TestCutWholeConfig loads a fleet over splitMin, as plan does, and
// gets the configuration loading it whole gives.
func TestCutWholeConfig(t *testing.T) {
	text := []byte(splitFleet(8000))
	if len(text) < splitMin {
		t.Fatalf("the fleet is %d bytes, under %d", len(text), splitMin)
	}
	env := func(string) (string, bool) { return "token", true }
	if _, ok := (&loader{file: "fleet.yaml", env: env}).configCut(string(text)); !ok {
		t.Fatal("the fleet was not loaded cut")
	}
	cut, err := Parse("fleet.yaml", text, env)
	if err != nil {
		t.Fatal(err)
	}
	old := splitMin
	splitMin = len(text) + 1
	defer func() { splitMin = old }()
	whole, err := Parse("fleet.yaml", text, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(cut.Domains) != 8000 || !reflect.DeepEqual(cut.Domains, whole.Domains) || !reflect.DeepEqual(cut.Warnings, whole.Warnings) {
		t.Errorf("the configuration differs when cut: %d domains against %d", len(cut.Domains), len(whole.Domains))
	}
}

// TestCutLoadsAsWhole loads every configuration of the repository, the bad
// ones of e2e/testdata/bad among them, cut wherever it can be and whole:
// the domains, warnings and errors must be the same.
func TestCutLoadsAsWhole(t *testing.T) {
	var files []string
	for _, glob := range []string{"../examples/*/*.yaml", "../examples/*.yaml", "../e2e/testdata/*/*.yaml"} {
		more, _ := filepath.Glob(glob)
		files = append(files, more...)
	}
	if len(files) < 80 {
		t.Fatalf("only %d configurations found", len(files))
	}
	env := func(string) (string, bool) { return "token", true }
	cut := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		whole, werr := ParseText(f, text, env)
		old := splitMin
		splitMin = 0
		if _, ok := (&loader{file: f, dir: filepath.Dir(f), env: env}).configCut(text); ok {
			cut++
		}
		parts, perr := ParseText(f, text, env)
		splitMin = old
		if fmt.Sprint(werr) != fmt.Sprint(perr) {
			t.Errorf("%s: cut:\n%v\nwhole:\n%v", f, perr, werr)
			continue
		}
		if (whole == nil) != (parts == nil) {
			t.Errorf("%s: loaded cut %v, whole %v", f, parts != nil, whole != nil)
			continue
		}
		if whole != nil && (!reflect.DeepEqual(whole.Domains, parts.Domains) || !reflect.DeepEqual(whole.Warnings, parts.Warnings)) {
			t.Errorf("%s: the configuration differs when cut", f)
		}
	}
	t.Logf("%d of %d configurations loaded cut", cut, len(files))
	if cut < 10 {
		t.Errorf("only %d configurations were loaded cut", cut)
	}
}

// FuzzCutLoad: wherever a configuration is loaded cut, it gives the
// domains, warnings and errors the whole load gives.
func FuzzCutLoad(f *testing.F) {
	for _, glob := range []string{"../examples/*/*.yaml", "../e2e/testdata/*/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(string(data))
			}
		}
	}
	f.Add(splitFleet(12))
	env := func(string) (string, bool) { return "token", true }
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		file := filepath.Join(dir, "mailzone.yaml")
		whole, werr := ParseText(file, text, env)
		old := splitMin
		splitMin = 0
		defer func() { splitMin = old }()
		if _, ok := (&loader{file: file, dir: dir, env: env}).configCut(text); !ok {
			return
		}
		cut, cerr := ParseText(file, text, env)
		if fmt.Sprint(werr) != fmt.Sprint(cerr) {
			t.Fatalf("cut:\n%v\nwhole:\n%v\n%q", cerr, werr, text)
		}
		if (whole == nil) != (cut == nil) {
			t.Fatalf("loaded cut %v, whole %v: %q", cut != nil, whole != nil, text)
		}
		if whole != nil && (!reflect.DeepEqual(whole.Domains, cut.Domains) || !reflect.DeepEqual(whole.Warnings, cut.Warnings)) {
			t.Fatalf("the configuration differs when cut: %q", text)
		}
	})
}

// TestLongValueQuotedOnce: a diagnostic quoting a long value is shortened
// once, whether the domain is built alone, among many on every core, or in
// a cut file (it was shortened again when the cores' diagnostics were
// merged, escaping its quotes twice).
func TestLongValueQuotedOnce(t *testing.T) {
	bad := `    mta_sts: {mode: enforce, mx: "inbound.mailgate.ex~mple.net, \"mx*.mailgate.example.n[t\", \"*.outlook.com\", \"mail_1.example.net\""}` + "\n"
	one := head + "domains:\n  a.example:\n    mx: inbound.mailgate.example.net\n" + bad
	_, err := Parse("f.yaml", []byte(one), func(string) (string, bool) { return "", false })
	want := fmt.Sprint(err)
	if !strings.Contains(want, "…") {
		t.Fatalf("the message was not shortened: %s", want)
	}
	var b strings.Builder
	b.WriteString(head + "domains:\n  a.example:\n    mx: inbound.mailgate.example.net\n" + bad)
	for i := range 600 {
		fmt.Fprintf(&b, "  d%03d.example: {mx: inbound.mailgate.example.net}\n", i)
	}
	for _, min := range []int{1 << 30, 0} {
		old := splitMin
		splitMin = min
		_, err := Parse("f.yaml", []byte(b.String()), func(string) (string, bool) { return "", false })
		splitMin = old
		if got := fmt.Sprint(err); got != want {
			t.Errorf("splitMin %d:\n%s\nwant\n%s", min, got, want)
		}
	}
}
