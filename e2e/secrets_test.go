package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailzone/mailzone/bindtest"
	"github.com/mailzone/mailzone/providers/cloudflare/fakecf"
	"github.com/mailzone/mailzone/providers/route53/fakeroute53"
)

// Sentinel secrets: each is searched for in everything mailzone writes.
var (
	cfSentinel     = "cf-SENTINEL-token-4f9a2c"
	cfBadSentinel  = "cf-SENTINEL-wrong-token-77b1"
	awsSentinel    = "aws/SENTINEL+secret/key/0b8e6d"
	tsigSentinel   = base64.StdEncoding.EncodeToString([]byte("tsig-SENTINEL-key-32-bytes-long!"))
	tsigBadSecret  = base64.StdEncoding.EncodeToString([]byte("tsig-SENTINEL-WRONG-32-bytes-lng"))
	gwSentinel     = "gw-SENTINEL-path-token-91d3"
	secretSentinel = []string{cfSentinel, cfBadSentinel, awsSentinel, tsigSentinel, tsigBadSecret, gwSentinel}
)

// runRaw runs the binary with args exactly as given.
func runRaw(t *testing.T, dir string, vars map[string]string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = baseEnv(dir)
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// privateKeyPEM returns a new RSA private key in PKCS #8 PEM and its PEM body
// lines, which must never be printed.
func privateKeyPEM(t *testing.T) ([]byte, []string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return data, pemBody(data)
}

// pemBody returns the base64 lines of a PEM file's blocks.
func pemBody(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// leaks returns the sentinels found in text.
func leaks(text string, sentinels []string) []string {
	var out []string
	for _, s := range sentinels {
		if strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestSecretsNeverWritten runs every command, on every provider, on success
// and failure paths (wrong token, wrong TSIG key, unreachable server), with
// sentinel secrets in the environment and a private DKIM key on disk, under
// GitHub Actions (annotations and a step summary) and not, and searches
// everything it wrote for them: stdout, stderr, saved plans, the step summary
// and every other file it created. Private keys mailzone creates must be 0600
// in 0700 directories; a world-readable private key file gets a warning.
func TestSecretsNeverWritten(t *testing.T) {
	privPEM, privLines := privateKeyPEM(t)
	cf := fakecf.New(t)
	cf.AddToken(cfSentinel, true)
	cf.AddZone("a.example")
	r53 := fakeroute53.Start(t) // the binary gets its AWS environment from baseEnv
	r53.AddZone("a.example")
	bindtest.Require(t)
	bs := bindtest.StartPrimary(t, bindtest.Options{Zone: "a.example", Key: bindtest.Key{Name: "mz-secret-test", Algorithm: "hmac-sha256", Secret: tsigSentinel}})

	type scenario struct {
		name  string
		block string
		vars  map[string]string
	}
	rfc := func(server, secret string) (string, map[string]string) {
		return fmt.Sprintf("{type: rfc2136, server: %q, key_name: mz-secret-test, key_algorithm: hmac-sha256, key: \"${TSIG_SECRET}\"}", server),
			map[string]string{"TSIG_SECRET": secret}
	}
	scenarios := []scenario{
		{"cloudflare", fmt.Sprintf("{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q}", cf.URL()), map[string]string{"CF_TOKEN": cfSentinel}},
		{"cloudflare-401", fmt.Sprintf("{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: %q}", cf.URL()), map[string]string{"CF_TOKEN": cfBadSentinel}},
		{"cloudflare-unreachable", "{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: \"http://127.0.0.1:1/client/v4\"}", map[string]string{"CF_TOKEN": cfSentinel}},
		// A gateway whose URL holds a token: the error texts quote it, and
		// plan -out stores zone errors.
		{"cloudflare-token-in-endpoint", "{type: cloudflare, api_token: \"${CF_TOKEN}\", endpoint: \"http://127.0.0.1:1/gw/${GW_TOKEN}/client/v4\"}", map[string]string{"CF_TOKEN": cfSentinel, "GW_TOKEN": gwSentinel}},
		{"route53", fmt.Sprintf("{type: route53, region: us-east-1, access_key_id: \"${AWS_KEY}\", secret_access_key: \"${AWS_SECRET}\", endpoint: %q}", r53.URL()),
			map[string]string{"AWS_KEY": "AKIDSENTINEL", "AWS_SECRET": awsSentinel}},
		{"route53-unreachable", "{type: route53, region: us-east-1, access_key_id: \"${AWS_KEY}\", secret_access_key: \"${AWS_SECRET}\", endpoint: \"http://127.0.0.1:1\"}",
			map[string]string{"AWS_KEY": "AKIDSENTINEL", "AWS_SECRET": awsSentinel}},
		{"route53-env-credentials", fmt.Sprintf("{type: route53, region: us-east-1, endpoint: %q}", r53.URL()),
			map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSENTINEL", "AWS_SECRET_ACCESS_KEY": awsSentinel}},
	}
	for _, s := range [][2]string{{"rfc2136", tsigSentinel}, {"rfc2136-wrong-key", tsigBadSecret}} {
		b, v := rfc(bs.Addr, s[1])
		scenarios = append(scenarios, scenario{s[0], b, v})
	}
	b, v := rfc("127.0.0.1:1", tsigSentinel)
	scenarios = append(scenarios, scenario{"rfc2136-unreachable", b, v})

	commands := [][]string{
		{"plan"}, {"plan", "--offline"}, {"plan", "--offline", "-out", "plan.json"}, {"plan", "--offline", "--format", "json"},
		{"plan", "--offline", "--format", "markdown"}, {"plan", "--offline", "--detailed-exitcode"},
		{"plan", "--offline", "--markdown", "comment.md", "-out", "plan2.json"},
		{"apply", "--offline", "--yes", "--no-verify"}, {"apply", "plan.json", "--no-verify"},
		{"apply", "--offline", "--yes", "--verify-timeout", "1s"},
		{"verify", "--verify-timeout", "1s", "--nameserver", bs.Addr},
		{"lint", "--resolver", "127.0.0.1:1"}, {"lint", "--offline"},
		{"import", "--provider", "dns", "a.example"},
		{"onboard", "new.example", "--provider", "dns", "--profile", "std", "--dkim-selector", "s9"},
		{"dkim", "rotate", "a.example", "--selector", "s8"},
		{"version"}, {"help"}, {"nonsense"},
	}
	var mu sync.Mutex
	runs, found := 0, 0
	t.Cleanup(func() {
		t.Logf("%d runs of %d commands on %d provider setups, %d leaks", runs, len(commands), len(scenarios), found)
	})
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel() // most of the time goes to retry backoff and timeouts
			variants := []bool{false, true}
			if strings.Contains(sc.name, "unreachable") {
				variants = []bool{true} // slow: every request is retried
			}
			for _, actions := range variants {
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "keys", "priv.pem"), string(privPEM))
				os.Chmod(filepath.Join(dir, "keys", "priv.pem"), 0o600)
				writeFile(t, filepath.Join(dir, "keys", "open.pem"), string(privPEM))
				os.Chmod(filepath.Join(dir, "keys", "open.pem"), 0o644)
				writeFile(t, filepath.Join(dir, "mailzone.yaml"), fmt.Sprintf(`version: 1
providers:
  dns: %s
defaults: {provider: dns, verify: {timeout: 1s}}
profiles:
  std: {mx: inbound.example.net, spf: {include: [_spf.example.net]}, dmarc: {policy: reject}}
domains:
  a.example:
    profile: std
    dkim:
      s1: {key_file: keys/priv.pem}
      s2: {key_file: keys/open.pem}
`, sc.block))
				vars := map[string]string{}
				for k, v := range sc.vars {
					vars[k] = v
				}
				summary := filepath.Join(dir, "step-summary.md")
				if actions {
					vars["GITHUB_ACTIONS"] = "true"
					vars["GITHUB_STEP_SUMMARY"] = summary
				}
				before := tree(t, dir)
				secrets := append(append([]string(nil), secretSentinel...), privLines...)
				for _, args := range commands {
					start := time.Now()
					r := runRaw(t, dir, vars, args...)
					if d := time.Since(start); d > 500*time.Millisecond && os.Getenv("MZ_TIMING") != "" {
						t.Logf("%v: %s (actions %v)", d.Round(time.Millisecond), strings.Join(args, " "), actions)
					}
					mu.Lock()
					runs++
					mu.Unlock()
					if l := leaks(r.stdout+r.stderr, secrets); len(l) > 0 {
						mu.Lock()
						found++
						mu.Unlock()
						t.Errorf("mailzone %s (actions %v) printed %d secret(s) (%q...):\n%s", strings.Join(args, " "), actions, len(l), l[0][:12], r)
					}
					if len(args) == 2 && args[0] == "plan" && args[1] == "--offline" && !strings.Contains(r.stderr, "keys/open.pem holds a private key and is readable by others") {
						t.Errorf("no warning for a world-readable private key file:\n%s", r)
					}
				}
				// Every file mailzone created or changed, but the private keys
				// it generated on purpose.
				err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					rel, _ := filepath.Rel(dir, path)
					data, _ := os.ReadFile(path)
					if strings.HasPrefix(rel, "keys"+string(filepath.Separator)) && before[rel] == "" && !strings.Contains(string(data), "PRIVATE KEY") {
						return nil // a public key written beside a new private one
					}
					if strings.HasPrefix(rel, "keys"+string(filepath.Separator)) && before[rel] == "" {
						// A key onboard or rotate wrote: private, and its body
						// must not be anywhere else.
						if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
							t.Errorf("%s: mode %04o, want 0600", rel, st.Mode().Perm())
						}
						if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm()&0o077 != 0 {
							t.Errorf("%s: directory mode %04o, want no access for others", filepath.Dir(rel), st.Mode().Perm())
						}
						secrets = append(secrets, pemBody(data)...)
						return nil
					}
					if before[rel] == string(data) {
						return nil
					}
					if l := leaks(string(data), secretSentinel); len(l) > 0 {
						mu.Lock()
						found++
						mu.Unlock()
						t.Errorf("%s holds a secret", rel)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				// Written files other than keys, checked again with the keys
				// onboard and rotate generated.
				for rel, text := range tree(t, dir) {
					if strings.HasPrefix(rel, "keys") || before[rel] == text {
						continue
					}
					if l := leaks(text, secrets); len(l) > 0 {
						mu.Lock()
						found++
						mu.Unlock()
						t.Errorf("%s holds a secret or private key", rel)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "plan.json")); err != nil && sc.name == "cloudflare" {
					t.Errorf("plan -out wrote no plan: %v", err)
				}
				if _, err := os.Stat(summary); err != nil && actions && sc.name == "cloudflare" {
					t.Errorf("no step summary under GitHub Actions: %v", err)
				}
			}
		})
	}
}
