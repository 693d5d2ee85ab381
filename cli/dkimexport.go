package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/signer"
)

// dkimExport is `mailzone dkim export --format opendkim|rspamd DIR`: the
// tables the signing MTA needs, for every ready selector whose private key is
// in the key directory. Private keys are referenced by path, never copied.
func (r *run) dkimExport(args []string) int {
	fs := flag.NewFlagSet("dkim export", flag.ContinueOnError)
	var f planFlags
	f.register(fs)
	var vf verifyFlags
	vf.register(fs)
	format := fs.String("format", "opendkim", "opendkim (KeyTable, SigningTable) or rspamd (dkim_signing maps)")
	keyDir := fs.String("key-dir", "keys", "directory of the private keys, relative to the configuration file")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("dkim export", err)
	}
	if len(pos) != 1 {
		return r.usageError("dkim export", fmt.Errorf("name the directory to write the tables to"))
	}
	if *format != "opendkim" && *format != "rspamd" {
		return r.usageError("dkim export", fmt.Errorf("--format must be opendkim or rspamd, not %q", *format))
	}
	r.evidence = f.evidence
	cfg, ds, ok := r.selectDomains(f.config, f.domains)
	if !ok {
		return ExitError
	}
	sts, err := r.dkimStatuses(r.stop.Soft(), cfg, ds, vf, f.resolver)
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	dir, err := filepath.Abs(keyfile.Dir(cfg.Dir, *keyDir))
	if err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	keys, skipped := signer.Choose(sts, dir)
	for _, line := range skipped {
		fmt.Fprintln(r.env.Stdout, line)
	}
	out := pos[0]
	if err := os.MkdirAll(out, 0o755); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	abs, _ := filepath.Abs(out)
	files, err := signer.Tables(*format, keys, abs)
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
	fmt.Fprintf(r.env.Stdout, "Wrote %s for %d ready key(s) to %s: %s.\n", *format, len(keys), out, strings.Join(names, ", "))
	return ExitOK
}
