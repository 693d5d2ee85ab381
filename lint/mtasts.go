package lint

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/mtasts"
	"github.com/mailzone/mailzone/schema"
)

// Finding codes of the MTA-STS policy fetch.
const (
	CodeMTASTSFetch   = "mta-sts-fetch-failed"   // the policy could not be fetched over HTTPS
	CodeMTASTSInvalid = "mta-sts-policy-invalid" // the served file is not an RFC 8461 policy
	CodeMTASTSDiffers = "mta-sts-policy-differs" // the served policy is not the configured one
	CodeMTASTSStaleID = "mta-sts-id-stale"       // the published id does not match the policy served
)

// Limits of the policy fetch (RFC 8461 §3.3 asks senders for a timeout and
// a size limit; lint uses the ones senders commonly use).
const (
	policyTimeout = 10 * time.Second
	policyMax     = 64 << 10
)

// checkMTASTSPolicy fetches https://mta-sts.<domain>/.well-known/mta-sts.txt
// as a sending MTA would: the host resolved through the resolver lint uses,
// a certificate verified against the system roots (SSL_CERT_FILE and
// SSL_CERT_DIR are honoured), no redirects, 10 s and 64 KiB at most. It
// compares the policy with the configured one, and the id the _mta-sts
// record publishes with the id of the policy served.
func checkMTASTSPolicy(ctx context.Context, r Resolver, d *schema.Domain) []Finding {
	sts := d.MTASTSPolicy
	if sts == nil || d.MTASTS == nil || d.MTASTS.Absent {
		return nil
	}
	var out []Finding
	add := func(s Severity, code, format string, args ...any) {
		out = append(out, finding(d, "mta_sts", Problem{s, code, fmt.Sprintf(format, args...)}))
	}
	host := "mta-sts." + d.Name
	url := "https://" + host + "/.well-known/mta-sts.txt"
	text, err := fetchPolicy(ctx, r, host, url)
	if err != nil {
		add(Error, CodeMTASTSFetch, "%s: %v; senders that find the _mta-sts record and no policy go on without MTA-STS (RFC 8461 §5)", url, err)
		return out
	}
	served, err := mtasts.Parse(text)
	if err != nil {
		add(Error, CodeMTASTSInvalid, "%s is not an MTA-STS policy: %v", url, err)
		return out
	}
	if diffs := mtasts.Diff(sts.Policy, served); len(diffs) > 0 {
		add(Error, CodeMTASTSDiffers, "%s serves another policy than the configuration: %s; publish the file mailzone mta-sts export writes", url, strings.Join(diffs, "; "))
	}
	// The id senders compare is the one in DNS; with a derived id, it must
	// be the id of the file actually served.
	if !sts.Pinned {
		if published := publishedID(ctx, r, d.Name); published != "" && published != mtasts.IDOf(text) {
			// A warning: between publishing a new file and applying its
			// id, this is the expected state, and apply ends it.
			add(Warning, CodeMTASTSStaleID, "_mta-sts.%s publishes id=%s, but the policy served has id %s: senders that cached an older policy keep it until they see a new id; apply to publish it", d.Name, published, mtasts.IDOf(text))
		}
	}
	return out
}

// publishedID is the id the domain's _mta-sts record publishes, or "".
func publishedID(ctx context.Context, r Resolver, domain string) string {
	ans, err := r.Lookup(ctx, "_mta-sts."+domain+".", dns.TypeTXT)
	if err != nil {
		return ""
	}
	for _, t := range ans.TXT() {
		if !strings.HasPrefix(t, "v=STSv1") {
			continue
		}
		for _, kv := range strings.Split(t, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "id="); ok {
				return v
			}
		}
	}
	return ""
}

// fetchPolicy GETs the policy, dialing the addresses the resolver gives.
func fetchPolicy(ctx context.Context, r Resolver, host, url string) (string, error) {
	var addrs []netip.Addr
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if ans, err := r.Lookup(ctx, host+".", qt); err == nil {
			addrs = append(addrs, ans.Addrs()...)
		}
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("%s has no address", host)
	}
	dialer := &net.Dialer{Timeout: policyTimeout}
	client := &http.Client{
		Timeout: policyTimeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				var last error
				for _, a := range addrs {
					c, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), port))
					if err == nil {
						return c, nil
					}
					last = err
				}
				return nil, last
			},
			TLSClientConfig:     &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: policyTimeout,
			Proxy:               nil,
		},
		// RFC 8461 §3.3: senders must not follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirected, which senders do not follow (RFC 8461 §3.3)")
		},
	}
	ctx, cancel := context.WithTimeout(ctx, policyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %s, not 200 OK", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "text/plain") {
		return "", fmt.Errorf("Content-Type %q, not text/plain (RFC 8461 §3.2)", ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, policyMax+1))
	if err != nil {
		return "", err
	}
	if len(body) > policyMax {
		return "", fmt.Errorf("the policy is over %d bytes", policyMax)
	}
	return string(body), nil
}
