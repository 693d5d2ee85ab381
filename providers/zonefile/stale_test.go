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
	stale := filepath.Join(dir, ".example.com.zone.tmp")
	keep := []string{filepath.Join(dir, ".example.com.zone.tmpX"), filepath.Join(dir, ".other.com.zone.tmp"), filepath.Join(dir, "notes.txt")}
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

// TestApplyRefusesEditsOfAChangedSet: two applies computed from the same read
// (two CI jobs with different desired states) reach the lock one after the
// other. The second finds the SPF record changed and refuses, writing nothing;
// without the check the file would hold two SPF records.
func TestApplyRefusesEditsOfAChangedSet(t *testing.T) {
	dir := t.TempDir()
	zone := "example.com"
	path := filepath.Join(dir, zone+".zone")
	text := "$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n@ IN TXT \"v=spf1 include:old.example ~all\"\n@ IN TXT \"verify=1\"\n"
	os.WriteFile(path, []byte(text), 0o644)
	spf := func(v string) rrset.Edit {
		return rrset.Edit{Old: rrset.New(zone, "@", "TXT", 3600, "v=spf1 include:old.example ~all"),
			New: rrset.New(zone, "@", "TXT", 3600, v), Keep: rrset.New(zone, "@", "TXT", 3600, "verify=1")}
	}
	p := New(dir)
	x, y := spf("v=spf1 include:x.example -all"), spf("v=spf1 include:y.example -all")
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{x}); err != nil {
		t.Fatal(err)
	}
	after := readText(t, path)
	if n, err := p.Apply(context.Background(), zone, []rrset.Edit{y}); err == nil || n != 0 {
		t.Fatalf("second apply: %d, %v; want a refusal", n, err)
	}
	if readText(t, path) != after {
		t.Error("the refused apply changed the file")
	}
	// Applying the same edits again is a no-op, not a refusal.
	if _, err := p.Apply(context.Background(), zone, []rrset.Edit{x}); err != nil {
		t.Errorf("re-applying the applied edits: %v", err)
	}
}
