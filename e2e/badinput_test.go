package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
)

var update = flag.Bool("update", false, "rewrite the golden .err files of testdata/bad")

// TestBadInput runs every broken configuration and zone file of testdata/bad
// through the binary, as plan and as apply --yes. Each must exit 1 with exactly
// the messages and positions of its .err golden file, without a single request
// to the provider (a Cloudflare fake that logs every request) and without
// changing, adding or removing a file.
//
// Cases are NAME.yaml with their golden NAME.err; zone-file cases use the
// zonefile provider and zones/NAME.example.zone. Some fixtures cannot live in
// git and are made here: keys/dir.pem (a directory) and keys/dangling.pem (a
// symbolic link to nothing). Rewrite the goldens with go test ./e2e -run
// TestBadInput -update, then read the diff.
func TestBadInput(t *testing.T) {
	src := filepath.Join("testdata", "bad")
	cases, _ := filepath.Glob(filepath.Join(src, "*.yaml"))
	if len(cases) < 40 {
		t.Fatalf("only %d cases in %s", len(cases), src)
	}
	dir := t.TempDir()
	copyTree(t, src, dir)
	if err := os.MkdirAll(filepath.Join(dir, "keys", "dir.pem"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("does-not-exist.pem", filepath.Join(dir, "keys", "dangling.pem")); err != nil {
		t.Fatal(err)
	}
	cf := fakecf.New(t)
	for _, z := range []string{"a.example", "b.example", "x.example"} {
		cf.AddZone(z)
	}
	vars := map[string]string{"CF_TOKEN": fakecf.Token, "CF_ENDPOINT": cf.URL()}
	before := tree(t, dir)
	for _, c := range cases {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(name, func(t *testing.T) {
			r := run(t, dir, vars, "plan", "-c", name+".yaml")
			got := r.stderr
			if r.stdout != "" {
				got += "--- stdout\n" + r.stdout
			}
			golden := filepath.Join(src, name+".err")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden file (run with -update): %v", err)
			}
			if r.code != 1 {
				t.Errorf("plan: exit %d, want 1", r.code)
			}
			if got != string(want) {
				t.Errorf("plan output differs from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			a := run(t, dir, vars, "apply", "--yes", "-c", name+".yaml")
			if a.code != 1 {
				t.Errorf("apply --yes: exit %d, want 1\n%s", a.code, a)
			}
			// apply reports the same problems (its closing line may differ).
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.Contains(l, ".yaml:") && !strings.Contains(a.stderr, l) {
					t.Errorf("apply --yes does not report %q:\n%s", l, a.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr+a.stdout+a.stderr, "Xq7-literal-token-in-file") {
				t.Error("a secret written in the file was echoed")
			}
			if n := len(cf.Log()); n > 0 {
				t.Errorf("%d provider request(s) made, want none: %v", n, cf.Log())
				cf.ResetLog()
			}
		})
	}
	after := tree(t, dir)
	for f, text := range after {
		if before[f] != text {
			t.Errorf("%s was changed or created", f)
		}
	}
	for f := range before {
		if _, ok := after[f]; !ok {
			t.Errorf("%s was removed", f)
		}
	}
	t.Logf("%d broken inputs, each refused with its exact message and no provider request or file change", len(cases))
}
