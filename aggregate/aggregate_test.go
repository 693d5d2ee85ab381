package aggregate

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/escape"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func zipped(name string, data []byte) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create(name)
	f.Write(data)
	w.Close()
	return b.Bytes()
}

// mailbox builds a reports directory as a DMARC mailbox fills it: the real
// reports of testdata/reports, Google's again as the .zip it attaches (a
// duplicate: counted once), Yahoo's gzipped, a report naming a hostile
// organization, and files that must be refused, each for its own reason.
func mailbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, _ := filepath.Glob(filepath.Join("testdata", "reports", "*.xml"))
	for _, f := range src {
		data, _ := os.ReadFile(f)
		name := filepath.Base(f)
		switch {
		case strings.HasPrefix(name, "google.com"):
			write(t, filepath.Join(dir, name), data)
			write(t, filepath.Join(dir, strings.TrimSuffix(name, ".xml")+".zip"), zipped(name, data))
		case strings.HasPrefix(name, "yahoo.com"):
			write(t, filepath.Join(dir, name+".gz"), gz(data))
		default:
			write(t, filepath.Join(dir, name), data)
		}
	}
	hostile := `<?xml version="1.0"?><feedback><report_metadata><org_name>evil.example
::error::pwned &lt;script&gt;alert(1)&lt;/script&gt; @admins</org_name><report_id>x1</report_id>
<date_range><begin>1764460800</begin><end>1764547199</end></date_range></report_metadata>
<policy_published><domain>contoso.com</domain><p>none</p></policy_published>
<record><row><source_ip>198.51.100.66</source_ip><count>5</count><policy_evaluated><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row></record></feedback>`
	write(t, filepath.Join(dir, "evil.example!contoso.com.xml"), []byte(hostile))

	bad := filepath.Join(dir, "refused")
	os.Mkdir(bad, 0o755)
	write(t, filepath.Join(bad, "truncated.xml"), []byte(`<?xml version="1.0"?><feedback><report_metadata><org_name>x</org_name>`))
	write(t, filepath.Join(bad, "laughs.xml"), []byte(`<?xml version="1.0"?>
<!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<feedback><report_metadata><org_name>&c;</org_name></report_metadata></feedback>`))
	filler := append([]byte(`<?xml version="1.0"?><feedback><!-- `), bytes.Repeat([]byte(" "), 4<<20)...)
	write(t, filepath.Join(bad, "bomb.xml.gz"), gz(filler))
	write(t, filepath.Join(bad, "bomb.zip"), zipped("report.xml", filler))
	write(t, filepath.Join(bad, "huge.xml"), append([]byte(`<feedback>`), bytes.Repeat([]byte("<x/>"), 1<<20)...))
	write(t, filepath.Join(bad, "count.xml"), []byte(`<feedback><report_metadata><org_name>a</org_name><report_id>1</report_id></report_metadata>
<policy_published><domain>contoso.com</domain></policy_published><record><row><source_ip>192.0.2.1</source_ip><count>lots</count></row></record></feedback>`))
	write(t, filepath.Join(bad, "page.xml"), []byte(`<html><body>not a report</body></html>`))
	write(t, filepath.Join(bad, "notes.txt"), []byte("not read: not a report file name"))
	return dir
}

// testLimits are small, so the hostile files trip them quickly.
var testLimits = Limits{File: 2 << 20, XML: 1 << 20, Ratio: 100}

func TestSummaryGolden(t *testing.T) {
	dir := mailbox(t)
	wd, _ := os.Getwd()
	t.Chdir(dir)
	files, err := Files([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	s := Read(files, Options{Limits: testLimits})
	var js, text bytes.Buffer
	if err := s.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	golden(t, "summary.json", js.Bytes())
	golden(t, "summary.txt", text.Bytes())

	c := s.Domain("contoso.com")
	if c == nil || c.Messages != 3120+640+412+38+40+9+5 || c.Pass != 3120+640+40 || c.Reports != 3 {
		t.Fatalf("contoso.com: %+v", c)
	}
	if c.Failing[0].IP != "203.0.113.7" || c.Failing[0].Messages != 421 || strings.Join(c.Failing[0].Reporters, ",") != "Enterprise Outlook,google.com" {
		t.Errorf("top failing source %+v", c.Failing[0])
	}
	if s.Duplicates != 1 || len(s.Refused) != 7 {
		t.Errorf("duplicates %d, refused %v", s.Duplicates, s.Refused)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if escape.CommandLine(line) || strings.ContainsAny(line, "\r\x1b") {
			t.Errorf("unescaped line %q", line)
		}
	}
}

// TestRefusals names why each hostile file is refused.
func TestRefusals(t *testing.T) {
	dir := mailbox(t)
	for file, want := range map[string]string{
		"truncated.xml": "malformed XML",
		"laughs.xml":    "a DTD or other directive",
		"bomb.xml.gz":   "decompression bomb",
		"bomb.zip":      "says it expands to",
		"huge.xml":      "over the 2097152-byte limit",
		"count.xml":     `count "lots" is not a number of messages`,
		"page.xml":      "the root element is <html>",
	} {
		_, err := ReadFile(filepath.Join(dir, "refused", file), testLimits)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
}

// TestSince leaves out reports that ended before the cut-off.
func TestSince(t *testing.T) {
	files, _ := Files([]string{filepath.Join("testdata", "reports")})
	s := Read(files, Options{Since: time.Unix(1764547200, 0)})
	if s.Reports != 1 || s.Older != 2 || s.Domain("contoso.com").Reports != 1 {
		t.Errorf("reports %d, older %d", s.Reports, s.Older)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		write(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./aggregate -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./aggregate -update, then review):\n%s", name, got)
	}
}

// FuzzParse: no input makes the parser panic, loop or accept a report
// without its identity.
func FuzzParse(f *testing.F) {
	src, _ := filepath.Glob(filepath.Join("testdata", "reports", "*.xml"))
	for _, p := range src {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte(`<feedback><record><row><source_ip>::1</source_ip><count>1</count></row></record></feedback>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(bytes.NewReader(data))
		if err == nil && (rep.Org == "" || rep.ID == "" || rep.Domain == "") {
			t.Errorf("accepted a report without its identity: %+v", rep)
		}
		if err == nil {
			for _, r := range rep.Rows {
				if r.Count < 0 || !r.IP.IsValid() {
					t.Errorf("bad row %+v", r)
				}
			}
		}
	})
}
