package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailzone/mailzone/rrset"
)

// TestApplyRemovesStaleTempFiles: a process killed between creating its
// temporary file and renaming it leaves the file behind; the next apply of the
// zone removes it, and nothing else.
func TestApplyRemovesStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	zone := "example.com"
	path := filepath.Join(dir, zone+".zone")
	os.WriteFile(path, []byte("$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n"), 0o644)
	stale := filepath.Join(dir, ".example.com.zone.tmp123456")
	keep := []string{filepath.Join(dir, ".example.com.zone.tmpX"), filepath.Join(dir, ".other.com.zone.tmp1"), filepath.Join(dir, "notes.txt")}
	for _, f := range append(keep, stale) {
		os.WriteFile(f, []byte("half"), 0o644)
	}
	p := New(dir)
	_, err := p.Apply(context.Background(), zone, []rrset.Edit{{New: rrset.New(zone, "_dmarc", "TXT", 3600, "v=DMARC1; p=reject")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	for _, f := range keep {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
