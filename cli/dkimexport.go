package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/schema"
)

// signerKey is one key a signer may use: ready, with its private key found in
// the key directory.
type signerKey struct {
	domain, selector, path string // path: the private key, absolute
}

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
	var keys []signerKey
	for _, st := range sts {
		if st.Kind != "key" {
			continue
		}
		path := filepath.Join(dir, st.Domain, st.Selector+".pem")
		data, err := schema.ReadFile(path)
		switch {
		case err != nil || !strings.Contains(string(data), "PRIVATE KEY"):
			fmt.Fprintf(r.env.Stdout, "%s %s: skipped, no private key at %s\n", st.Domain, st.Selector, path)
		case st.State != "ready":
			fmt.Fprintf(r.env.Stdout, "%s %s: skipped, %s (only ready keys are signed with)\n", st.Domain, st.Selector, st.State)
		default:
			keys = append(keys, signerKey{st.Domain, st.Selector, path})
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].domain+" "+keys[i].selector < keys[j].domain+" "+keys[j].selector })
	out := pos[0]
	if err := os.MkdirAll(out, 0o755); err != nil {
		r.errorf("%v", err)
		return ExitError
	}
	abs, _ := filepath.Abs(out)
	files := map[string]string{}
	switch *format {
	case "opendkim":
		var kt, st strings.Builder
		kt.WriteString("# KeyTable written by mailzone: selector._domainkey.domain domain:selector:private key\n")
		st.WriteString("# SigningTable (refile) written by mailzone: sender pattern, KeyTable entry\n")
		for _, k := range keys {
			fmt.Fprintf(&kt, "%s._domainkey.%s %s:%s:%s\n", k.selector, k.domain, k.domain, k.selector, k.path)
			fmt.Fprintf(&st, "*@%s %s._domainkey.%s\n", k.domain, k.selector, k.domain)
		}
		files["KeyTable"], files["SigningTable"] = kt.String(), st.String()
		files["opendkim.conf.example"] = fmt.Sprintf("# Lines for opendkim.conf to sign with the tables mailzone wrote.\nKeyTable\t\trefile:%s\nSigningTable\t\trefile:%s\n",
			filepath.Join(abs, "KeyTable"), filepath.Join(abs, "SigningTable"))
	case "rspamd":
		var sel, paths strings.Builder
		sel.WriteString("# domain selector, written by mailzone\n")
		paths.WriteString("# domain private key, written by mailzone\n")
		for _, k := range keys {
			fmt.Fprintf(&sel, "%s %s\n", k.domain, k.selector)
			fmt.Fprintf(&paths, "%s %s\n", k.domain, k.path)
		}
		files["dkim_selectors.map"], files["dkim_paths.map"] = sel.String(), paths.String()
		files["dkim_signing.conf"] = fmt.Sprintf("# local.d/dkim_signing.conf written by mailzone: sign each domain with its ready key.\nsign_local = true;\nuse_domain = \"header\";\nallow_username_mismatch = true;\nselector_map = %q;\npath_map = %q;\n",
			filepath.Join(abs, "dkim_selectors.map"), filepath.Join(abs, "dkim_paths.map"))
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
