package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailzone/mailzone/configedit"
)

// MTASTSExport is `mailzone mta-sts export DIR`: the policy file of every
// domain with MTA-STS, laid out for any static HTTPS host.
func (r *Session) MTASTSExport(f Fleet, dir string) int {
	_, ds, ok := r.selectDomains(f.Config, f.Domains)
	if !ok {
		return ExitError
	}
	n := 0
	for _, d := range ds {
		sts := d.MTASTSPolicy
		if sts == nil || d.MTASTS == nil || d.MTASTS.Absent {
			continue
		}
		path := filepath.Join(dir, d.Name, ".well-known", "mta-sts.txt")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		if err := configedit.WriteAtomic(path, []byte(sts.Policy.Text())); err != nil {
			r.errorf("%v", err)
			return ExitError
		}
		fmt.Fprintf(r.Env.Stdout, "%s: mode %s, mx %s, max_age %d, id %s\n", d.Name, sts.Policy.Mode, strings.Join(sts.Policy.MX, " "), sts.Policy.MaxAge, sts.ID)
		n++
	}
	fmt.Fprintf(r.Env.Stdout, "Wrote %d policy file(s) under %s: serve each as https://mta-sts.<domain>/.well-known/mta-sts.txt (text/plain), then apply, so the id in DNS moves after the file.\n", n, dir)
	return ExitOK
}
