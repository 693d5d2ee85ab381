package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkPlanZonefiles plans a no-op fleet of 1,000 domains in zone files
// (MAILZONE_BENCH_PLAN_N changes the count), the whole command from loading the
// configuration to rendering.
func BenchmarkPlanZonefiles(b *testing.B) {
	dir := b.TempDir()
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("MAILZONE_BENCH_PLAN_N")); err == nil {
		n = v
	}
	gen := exec.Command("go", "run", "../bench/gen", "-n", strconv.Itoa(n), "-dir", dir, "-state", "noop")
	gen.Stderr = os.Stderr
	if err := gen.Run(); err != nil {
		b.Fatal(err)
	}
	cfg := filepath.Join(dir, "mailzone.yaml")
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		env := Env{Stdout: devnull, Stderr: devnull, Getenv: func(string) string { return "" }, LookupEnv: func(string) (string, bool) { return "", false }}
		if code := Main([]string{"plan", "--offline", "-c", cfg}, env); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
