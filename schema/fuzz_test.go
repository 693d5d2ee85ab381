package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSecret is the value of every environment variable during fuzzing; it must
// never appear in a diagnostic.
const fuzzSecret = "fuzz-SENTINEL-secret-7d1e"

// FuzzLoad feeds arbitrary bytes to Parse. It must not panic or hang; every
// error is a list of diagnostics with a position in the file; a loaded
// configuration builds its records; and no diagnostic shows a secret.
//
// The seed corpus is every example configuration and the broken configurations
// of e2e/testdata/bad. Only the test provider type "testdns" is registered here
// (importing the real ones would change TestErrors' messages), so provider
// blocks of other types are errors, and the rest of each file is still checked.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"../examples/*/*.yaml", "../examples/*.yaml", "../e2e/testdata/bad/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(head + "domains:\n  a.example:\n    mx: mx.example.net\n    spf: {include: [x.example.net]}\n    dmarc: {policy: reject}\n"))
	f.Add([]byte("version: 1\nproviders:\n  p: {type: testdns, server: x, token: \"${TOKEN}\"}\ndefaults: {provider: p}\nprofiles:\n  a: {profile: b}\n  b: {mx: m.example.net}\ndomains:\n  a.example: {profile: a, mail: none}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// Key files are read relative to the configuration: keep them in an
		// empty directory. Absolute paths are allowed; readKeyFile refuses
		// anything but a small regular file.
		cfg, err := Parse(filepath.Join(dir, "mailzone.yaml"), data, func(string) (string, bool) { return fuzzSecret, true })
		if err != nil {
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("Parse error is %T, not Diagnostics: %v", err, err)
			}
			if len(ds.Errors()) == 0 {
				t.Fatalf("Parse failed without an error diagnostic: %v", ds)
			}
			for _, d := range ds {
				s := d.String()
				if strings.Contains(s, fuzzSecret) {
					t.Fatalf("diagnostic shows a secret: %s", s)
				}
				if !strings.HasPrefix(s, filepath.Join(dir, "mailzone.yaml")) {
					t.Fatalf("diagnostic does not name the file: %s", s)
				}
			}
			return
		}
		for _, d := range cfg.Warnings {
			if strings.Contains(d.String(), fuzzSecret) {
				t.Fatalf("warning shows a secret: %s", d)
			}
		}
		for _, d := range cfg.Domains {
			if rs := d.Records(); len(rs) > d.recordCount() {
				t.Fatalf("domain %s: %d records, more than the %d recordCount allows", d.Name, len(rs), d.recordCount())
			}
			for _, r := range d.Records() {
				if r.Set.Name == "" || r.Set.Type == "" {
					t.Fatalf("domain %s: record without name or type: %+v", d.Name, r)
				}
			}
		}
	})
}
