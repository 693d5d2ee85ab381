package keyfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/dkim"
)

// TestWriteAndRemove: the private key is 0600 in 0700 directories, the
// public half beside it parses as the same key, the .gitignore keeps
// private keys out of git, an existing key is never overwritten, and
// Remove leaves the directory as it was.
func TestWriteAndRemove(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			cfgDir := t.TempDir()
			priv, err := New(alg)
			if err != nil {
				t.Fatal(err)
			}
			if err := Absent(cfgDir, "keys", "contoso.com", "mz202612"); err != nil {
				t.Fatal(err)
			}
			kf, err := Write(cfgDir, "keys", "contoso.com", "mz202612", priv)
			if err != nil {
				t.Fatal(err)
			}
			if kf.Ref != "keys/contoso.com/mz202612.pub.pem" {
				t.Errorf("Ref %q", kf.Ref)
			}
			st, err := os.Stat(kf.Path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("private key mode %v, %v", st.Mode(), err)
			}
			if st, _ := os.Stat(filepath.Dir(kf.Path)); st.Mode().Perm() != 0o700 {
				t.Errorf("key directory mode %v", st.Mode())
			}
			pub, _ := os.ReadFile(kf.Pub)
			k, problems := dkim.LoadKeyFile(pub)
			if len(problems) > 0 || k.Algorithm != alg {
				t.Errorf("public half: %+v, %v", k, problems)
			}
			if ig, _ := os.ReadFile(filepath.Join(cfgDir, "keys", ".gitignore")); !strings.Contains(string(ig), "*.pem\n!*.pub.pem") {
				t.Errorf(".gitignore: %q", ig)
			}
			if err := Absent(cfgDir, "keys", "contoso.com", "mz202612"); err == nil {
				t.Error("Absent with the key present")
			}
			if _, err := Write(cfgDir, "keys", "contoso.com", "mz202612", priv); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("second Write: %v", err)
			}
			kf.Remove()
			if left, _ := os.ReadDir(cfgDir); len(left) != 0 {
				t.Errorf("left after Remove: %v", left)
			}
		})
	}
}
