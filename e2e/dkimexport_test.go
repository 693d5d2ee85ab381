package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
)

// requireTool finds a program the test needs, failing under CI (which
// installs it) and skipping elsewhere.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/sbin"} {
			if _, e := os.Stat(filepath.Join(dir, name)); e == nil {
				return filepath.Join(dir, name)
			}
		}
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("%s not found and CI is set: apt-get install -y %s", name, pkg)
		}
		t.Skipf("%s not found: apt-get install -y %s", name, pkg)
	}
	return p
}

// TestDKIMExportOpenDKIM onboards a customer with a new key, applies it to a
// real BIND primary, waits until it is ready, exports the signer's tables,
// and has the real OpenDKIM check them: `opendkim -n` loads a configuration
// that uses the exported KeyTable and SigningTable, and `opendkim-testkey`
// confirms each exported key against the record BIND serves (OpenDKIM's
// resolver, unbound, pointed at the test server by a stub zone). A key not
// ready yet is not exported; the private key is referenced, never copied.
func TestDKIMExportOpenDKIM(t *testing.T) {
	opendkim := requireTool(t, "opendkim", "opendkim")
	testkey := requireTool(t, "opendkim-testkey", "opendkim-tools")
	bindtest.Require(t)
	zone := "contoso.com"
	primary := bindtest.StartPrimary(t, bindtest.Options{Zone: zone, NegativeTTL: time.Second})
	key := primary.Key
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  lab: {type: rfc2136, server: %q, key_name: %s, key_algorithm: %s, key: "${TSIG_SECRET}"}
defaults:
  provider: lab
  resolver: "127.0.0.1:1"
  verify: {nameservers: [%q]}
profiles:
  standard: {mx: contoso-com.mail.protection.outlook.com, spf: {include: [spf.protection.outlook.com]}}
domains: {}
`, primary.Addr, key.Name, key.Algorithm, primary.Addr))
	vars := map[string]string{"TSIG_SECRET": key.Secret}
	if r := runRaw(t, dir, vars, "onboard", zone, "--profile", "standard", "--dkim-selector", "mz202612"); r.code != 0 {
		t.Fatalf("onboard: %s", r)
	}
	if r := runRaw(t, dir, vars, "apply", "--offline", "--yes"); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	// Not ready yet (first seen now): nothing exported.
	out := filepath.Join(dir, "signer")
	r := runRaw(t, dir, vars, "dkim", "export", "--format", "opendkim", out)
	if r.code != 0 || !strings.Contains(r.stdout, "for 0 ready key(s)") {
		t.Errorf("export before ready: %s", r)
	}
	if r := runRaw(t, dir, vars, "dkim", "ready", zone, "mz202612", "--wait", "--timeout", "30s"); r.code != 0 {
		t.Fatalf("dkim ready: %s", r)
	}
	r = runRaw(t, dir, vars, "dkim", "export", "--format", "opendkim", out)
	if r.code != 0 || !strings.Contains(r.stdout, "for 1 ready key(s)") {
		t.Fatalf("export: %s", r)
	}
	priv := filepath.Join(dir, "keys", zone, "mz202612.pem")
	kt, _ := os.ReadFile(filepath.Join(out, "KeyTable"))
	if want := "mz202612._domainkey.contoso.com contoso.com:mz202612:" + priv + "\n"; !strings.Contains(string(kt), want) {
		t.Errorf("KeyTable:\n%s\nwant %q", kt, want)
	}
	for name, text := range tree(t, out) {
		if strings.Contains(text, "PRIVATE KEY") {
			t.Errorf("%s holds a private key", name)
		}
	}
	// OpenDKIM's resolver (unbound) asks the test BIND for the zone.
	host, port, _ := strings.Cut(primary.Addr, ":")
	unbound := filepath.Join(dir, "unbound.conf")
	writeFile(t, unbound, fmt.Sprintf("server:\n  do-not-query-localhost: no\n  module-config: \"iterator\"\n  verbosity: 0\nstub-zone:\n  name: %q\n  stub-addr: %s@%s\n", zone, host, port))
	conf := filepath.Join(dir, "opendkim.conf")
	writeFile(t, conf, fmt.Sprintf("Syslog no\nMode s\nSocket inet:8891@localhost\nKeyTable refile:%s\nSigningTable refile:%s\nResolverConfiguration %s\n",
		filepath.Join(out, "KeyTable"), filepath.Join(out, "SigningTable"), unbound))
	if o, err := exec.Command(opendkim, "-n", "-x", conf).CombinedOutput(); err != nil {
		t.Errorf("opendkim -n rejects the exported configuration: %v\n%s", err, o)
	}
	o, err := exec.Command(testkey, "-x", conf, "-d", zone, "-s", "mz202612", "-k", priv, "-vvv").CombinedOutput()
	if err != nil || !strings.Contains(string(o), "key OK") && !strings.Contains(string(o), "key not secure") {
		t.Errorf("opendkim-testkey does not confirm the key: %v\n%s", err, o)
	}
	t.Logf("opendkim-testkey: %s", strings.TrimSpace(string(o)))

	// rspamd, when installed: its config test accepts the exported maps.
	if rspamadm, err := exec.LookPath("rspamadm"); err == nil {
		rs := filepath.Join(dir, "rspamd")
		if r := runRaw(t, dir, vars, "dkim", "export", "--format", "rspamd", rs); r.code != 0 {
			t.Fatalf("export rspamd: %s", r)
		}
		paths, _ := os.ReadFile(filepath.Join(rs, "dkim_paths.map"))
		if !strings.Contains(string(paths), "contoso.com "+priv+"\n") {
			t.Errorf("dkim_paths.map:\n%s", paths)
		}
		local := filepath.Join(dir, "rspamd-conf")
		os.MkdirAll(filepath.Join(local, "local.d"), 0o755)
		data, _ := os.ReadFile(filepath.Join(rs, "dkim_signing.conf"))
		writeFile(t, filepath.Join(local, "local.d", "dkim_signing.conf"), string(data))
		o, err := exec.Command(rspamadm, "--var=LOCAL_CONFDIR="+local, "configtest", "-c", "/etc/rspamd/rspamd.conf").CombinedOutput()
		if err != nil || !strings.Contains(string(o), "syntax OK") || strings.Contains(string(o), "invalid map") || strings.Contains(string(o), "dkim_signing") {
			t.Errorf("rspamadm configtest does not accept the exported dkim_signing: %v\n%s", err, o)
		}
	}
}
