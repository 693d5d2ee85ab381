// Package signer writes what a signing MTA needs to sign with the keys
// mailzone manages: OpenDKIM's KeyTable and SigningTable, or rspamd's
// dkim_signing maps, for every key that is ready (served by every
// nameserver, past the negative TTL) and whose private key is in the key
// directory. Private keys are referenced by path, never copied, so the
// tables hold no secret. A key is only exported once it is ready, because
// mail signed with a key that some resolvers cannot see yet fails DKIM.
package signer

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailzone/mailzone/keystatus"
	"github.com/mailzone/mailzone/schema"
)

// Formats are the signers Tables writes for.
var Formats = []string{"opendkim", "rspamd"}

// Key is one key a signer may use.
type Key struct {
	Domain, Selector string
	// Path is the private key, absolute.
	Path string
}

// Choose picks the keys a signer may use among the selectors' statuses:
// keys (not CNAMEs) that are ready, with a private key at
// dir/<domain>/<selector>.pem (dir absolute). skipped says why each other
// key is left out, one line each. keys are sorted by domain and selector.
func Choose(sts []keystatus.Status, dir string) (keys []Key, skipped []string) {
	for _, st := range sts {
		if st.Kind != "key" {
			continue
		}
		path := filepath.Join(dir, st.Domain, st.Selector+".pem")
		data, err := schema.ReadFile(path)
		switch {
		case err != nil || !strings.Contains(string(data), "PRIVATE KEY"):
			skipped = append(skipped, fmt.Sprintf("%s %s: skipped, no private key at %s", st.Domain, st.Selector, path))
		case st.State != "ready":
			skipped = append(skipped, fmt.Sprintf("%s %s: skipped, %s (only ready keys are signed with)", st.Domain, st.Selector, st.State))
		default:
			keys = append(keys, Key{st.Domain, st.Selector, path})
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Domain+" "+keys[i].Selector < keys[j].Domain+" "+keys[j].Selector })
	return keys, skipped
}

// Tables returns the files of format (see Formats) for keys, by file name:
// the tables, and the configuration lines that point the signer at them in
// dir (absolute), where they are to be written.
func Tables(format string, keys []Key, dir string) (map[string]string, error) {
	files := map[string]string{}
	switch format {
	case "opendkim":
		var kt, st strings.Builder
		kt.WriteString("# KeyTable written by mailzone: selector._domainkey.domain domain:selector:private key\n")
		st.WriteString("# SigningTable (refile) written by mailzone: sender pattern, KeyTable entry\n")
		for _, k := range keys {
			fmt.Fprintf(&kt, "%s._domainkey.%s %s:%s:%s\n", k.Selector, k.Domain, k.Domain, k.Selector, k.Path)
			fmt.Fprintf(&st, "*@%s %s._domainkey.%s\n", k.Domain, k.Selector, k.Domain)
		}
		files["KeyTable"], files["SigningTable"] = kt.String(), st.String()
		files["opendkim.conf.example"] = fmt.Sprintf("# Lines for opendkim.conf to sign with the tables mailzone wrote.\nKeyTable\t\trefile:%s\nSigningTable\t\trefile:%s\n",
			filepath.Join(dir, "KeyTable"), filepath.Join(dir, "SigningTable"))
	case "rspamd":
		var sel, paths strings.Builder
		sel.WriteString("# domain selector, written by mailzone\n")
		paths.WriteString("# domain private key, written by mailzone\n")
		for _, k := range keys {
			fmt.Fprintf(&sel, "%s %s\n", k.Domain, k.Selector)
			fmt.Fprintf(&paths, "%s %s\n", k.Domain, k.Path)
		}
		files["dkim_selectors.map"], files["dkim_paths.map"] = sel.String(), paths.String()
		files["dkim_signing.conf"] = fmt.Sprintf("# local.d/dkim_signing.conf written by mailzone: sign each domain with its ready key.\nsign_local = true;\nuse_domain = \"header\";\nallow_username_mismatch = true;\nselector_map = %q;\npath_map = %q;\n",
			filepath.Join(dir, "dkim_selectors.map"), filepath.Join(dir, "dkim_paths.map"))
	default:
		return nil, fmt.Errorf("unknown signer %q (%s)", format, strings.Join(Formats, ", "))
	}
	return files, nil
}
