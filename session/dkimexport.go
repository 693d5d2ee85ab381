package session

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/signer"
)

// Export is `mailzone dkim export --format opendkim|rspamd DIR`: the
// tables the signing MTA needs, for every ready selector whose private key is
// in keyDir (relative to the configuration). Private keys are referenced by
// path, never copied.
func (r *Session) Export(f Fleet, vf Verifying, format, keyDir, out string) int {
	cfg, sts, ok := r.statuses(f, vf)
	if !ok {
		return ExitError
	}
	dir, err := filepath.Abs(keyfile.Dir(cfg.Dir, keyDir))
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	keys, skipped := signer.Choose(sts, dir)
	for _, line := range skipped {
		fmt.Fprintln(r.Env.Stdout, line)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	abs, _ := filepath.Abs(out)
	files, err := signer.Tables(format, keys, abs)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writeScrubbed(filepath.Join(out, n), []byte(files[n]), *r.secrets); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
	}
	fmt.Fprintf(r.Env.Stdout, "Wrote %s for %d ready key(s) to %s: %s.\n", format, len(keys), out, strings.Join(names, ", "))
	return ExitOK
}
