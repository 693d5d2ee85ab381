package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInputsThatHangOrExhaust feeds the binary inputs that once hung a run
// or took minutes and gigabytes: a FIFO as key file and as configuration, a
// NUL byte, invalid UTF-8, and a 50 MB SPF value. Each gets a located, short
// error within seconds.
func TestInputsThatHangOrExhaust(t *testing.T) {
	head := "version: 1\nproviders: {files: {type: zonefile, directory: zones}}\ndefaults: {provider: files}\ndomains:\n"
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the config file name
		want  []string
	}{
		{"key file is a FIFO", func(t *testing.T, dir string) string {
			mkfifo(t, filepath.Join(dir, "keys", "s1.pem"))
			writeFile(t, filepath.Join(dir, "mailzone.yaml"), head+"  contoso.com:\n    mx: inbound.mailgate.example.net\n    dkim:\n      s1: {key_file: keys/s1.pem}\n")
			return "mailzone.yaml"
		}, []string{"mailzone.yaml:8:22: domains.contoso.com.dkim.s1.key_file: cannot read key file: keys/s1.pem: not a regular file (p---------)"}},
		{"configuration is a FIFO", func(t *testing.T, dir string) string {
			mkfifo(t, filepath.Join(dir, "fifo.yaml"))
			return "fifo.yaml"
		}, []string{"mailzone: config: fifo.yaml: not a regular file"}},
		{"NUL byte", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "nul.yaml"), head+"  contoso.com: {mx: \"inbound\x00.example.net\"}\n")
			return "nul.yaml"
		}, []string{"nul.yaml:5:29: a NUL byte; the configuration must be text"}},
		{"invalid UTF-8", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "latin1.yaml"), head+"  # Z\xfcrich office\n  contoso.com: {mx: inbound.mailgate.example.net}\n")
			return "latin1.yaml"
		}, []string{"latin1.yaml:5:6: not valid UTF-8: byte 0xfc; save the file as UTF-8"}},
		{"50 MB SPF", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "huge.yaml"), head+"  contoso.com:\n    spf: \"v=spf1 "+strings.Repeat("ip4:192.0.2.1 ", 50<<20/14)+"-all\"\n")
			return "huge.yaml"
		}, []string{"mailzone: config: huge.yaml: 52428937 bytes; the limit is 33554432"}},
		{"10 KB SPF term", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "term.yaml"), head+"  contoso.com:\n    spf: \"v=spf1 include:"+strings.Repeat("a", 10000)+" -all\"\n")
			return "term.yaml"
		}, []string{`term.yaml:6:10: domains.contoso.com.spf: term "include:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…(10008 bytes)"`}},
		{"1 MB SPF", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "long.yaml"), head+"  contoso.com:\n    spf: \"v=spf1 "+strings.Repeat("ip4:192.0.2.1 ", 1<<20/14)+"-all\"\n")
			return "long.yaml"
		}, []string{"long.yaml:6:10: domains.contoso.com.spf: is 1048583 bytes long; the longest value mailzone takes is 16384 bytes (v=spf1 ip4:192.0.2.1 ip4:192.0.2.1 ip4:192.0.2.1 ip4:192.0.2.1 ip4:192.0.2.1 ip4…(1048583 bytes))"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "zones"), 0o755)
			cfg := tt.setup(t, dir)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "plan", "--offline", "-c", cfg)
			cmd.Dir, cmd.Env = dir, baseEnv(dir)
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			start := time.Now()
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("plan hung (killed after %v)", time.Since(start))
			}
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("plan: %v\n%s%s", err, out.String(), errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks\n  %s\ngot\n  %s", w, errb.String())
				}
			}
			if len(errb.String()) > 2000 {
				t.Errorf("stderr is %d bytes: a bad value is quoted whole", len(errb.String()))
			}
			t.Logf("%s: %v", tt.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
