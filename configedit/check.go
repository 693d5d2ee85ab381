package configedit

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/schema"
)

// Check loads the edited configuration and checks that every domain but
// the one edited resolves to exactly what it did before: the same provider,
// zone and records. Positions are not compared: an insertion moves every
// line after it.
func Check(before *schema.Config, path string, data []byte, env func(string) (string, bool), edited ...string) (*schema.Config, error) {
	after, err := schema.Parse(path, data, env)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, e := range edited {
		skip[e] = true
	}
	for _, d := range before.Domains {
		if skip[d.Name] {
			continue
		}
		n := after.Domain(d.Name)
		if n == nil || !sameResolved(d, n) {
			return nil, fmt.Errorf("internal error: the edit would change domain %s; nothing was written", d.Name)
		}
	}
	for _, e := range edited {
		if after.Domain(e) == nil {
			return nil, fmt.Errorf("internal error: %s is not in the edited configuration; nothing was written", e)
		}
	}
	return after, nil
}

// sameResolved reports whether two loadings of a domain publish the same
// thing: provider, zone, verification settings and every record, whatever
// line they sit on.
func sameResolved(a, b *schema.Domain) bool {
	if a.Provider != b.Provider || a.Zone != b.Zone || a.Parked != b.Parked || !reflect.DeepEqual(a.Verify, b.Verify) {
		return false
	}
	ra, rb := a.Records(), b.Records()
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if ra[i].Field != rb[i].Field || !ra[i].Set.Equal(rb[i].Set) {
			return false
		}
	}
	return true
}

// WriteAtomic replaces path with data: a temporary file in the same directory,
// synced, then renamed over it, with the old file's permissions.
func WriteAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var plainScalar = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/-]*$`)

// Scalar writes s as a YAML scalar: plain when that reads back as the same
// string (host names, selectors, keywords), double-quoted otherwise.
func Scalar(s string) string {
	if plainScalar.MatchString(s) {
		var n yaml.Node
		if yaml.Unmarshal([]byte(s), &n) == nil && len(n.Content) == 1 && n.Content[0].Tag == "!!str" && n.Content[0].Value == s {
			return s
		}
	}
	return strconv.Quote(s)
}
