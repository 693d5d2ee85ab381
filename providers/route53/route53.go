// Package route53 is mailzone's adapter for Amazon Route 53: it reads hosted
// zones into normalized [rrset.RRset]s and writes every edit of one zone in one
// ChangeResourceRecordSets batch.
//
// It talks to Route 53 through the AWS SDK for Go v2 directly rather than through
// github.com/libdns/route53, for reasons found by reading libdns/route53 v1.6.2:
//
//   - It calls log.Fatalf when the AWS configuration fails to load (a bad
//     profile name, a broken ~/.aws/config), which would kill a plan of a
//     hundred zones because one provider block is wrong. Here the configuration
//     is loaded in [New] and a missing region or missing credentials is an
//     ordinary error, reported before any request is sent.
//   - Its SetRecords and DeleteRecords send one change batch per RRset. Route 53
//     applies a batch atomically, so this adapter puts all edits of one zone in
//     one batch: no reader ever sees two SPF records, no MX, or half an apply.
//   - Its TXT parsing trims every leading and trailing '"' after unescaping, so a
//     value that ends in an escaped quote loses it; and GetRecords looks the
//     hosted zone up again on every call.
//
// Updates are written as a DELETE of the RRset exactly as it was read followed by
// a CREATE of the RRset after the edit (Keep plus New), in the same batch. That
// is as atomic as UPSERT, and it is also a compare-and-swap: if someone changed
// the RRset since it was read, Route 53 rejects the whole batch with
// InvalidChangeBatch instead of overwriting their change.
//
// Requests go through a [throttle.Transport] (5 requests per second per provider
// instance, retries on 429, on 5xx for reads and on broken connections for
// reads). The SDK's own retryer is narrowed to the errors the transport cannot
// see, Route 53's HTTP 400 Throttling and PriorRequestNotComplete, which mean
// the request was refused unprocessed; the two never retry the same failure, so
// their attempts do not multiply. A change batch whose outcome is unknown (a
// 5xx or a dropped connection after it was sent) is settled by reading the
// zone: if it holds the result the apply succeeded, if it holds the state before
// the batch is sent again, otherwise the error says the outcome is unknown.
package route53

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
)

func init() {
	providers.Register(providers.Type{
		Name: "route53",
		Settings: []providers.Setting{
			{Name: "region", Help: "AWS region to sign requests for (Route 53 is global; default AWS_REGION or the profile's region)"},
			{Name: "profile", Help: "named profile in ~/.aws/config (default AWS_PROFILE)"},
			{Name: "access_key_id", Secret: true, Help: "static access key id (default: the AWS credential chain)"},
			{Name: "secret_access_key", Secret: true, Help: "static secret access key, with access_key_id"},
			{Name: "session_token", Secret: true, Help: "session token for temporary credentials"},
			{Name: "hosted_zone_id", Help: "hosted zone id to use instead of looking the zone up by name (for a block that serves one zone)"},
			{Name: "endpoint", Help: "API base URL (default AWS_ENDPOINT_URL_ROUTE_53, else the AWS endpoint)"},
			{Name: "rate", Help: "client-side limit in requests per second (default 5)"},
		},
		Open: open,
	})
}

func open(cfg providers.Config) (providers.Provider, error) {
	s := cfg.Settings
	o := Options{
		Region:          s["region"],
		Profile:         s["profile"],
		AccessKeyID:     s["access_key_id"],
		SecretAccessKey: s["secret_access_key"],
		SessionToken:    s["session_token"],
		HostedZoneID:    s["hosted_zone_id"],
		Endpoint:        s["endpoint"],
	}
	if v := s["rate"]; v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return nil, &providers.SettingError{Key: "rate", Msg: fmt.Sprintf("%q is not a positive number of requests per second", v)}
		}
		o.Throttle.Rate = r
	}
	if cfg.RateShare > 0 {
		d := throttle.Route53Defaults()
		if o.Throttle.Rate == 0 {
			o.Throttle.Rate = d.Rate
		}
		if o.Throttle.Burst == 0 {
			o.Throttle.Burst = d.Burst
		}
		o.Throttle = o.Throttle.Share(cfg.RateShare)
	}
	return New(o)
}

// Options configure a [Provider]. Empty fields take the defaults of the AWS
// SDK's configuration chain (environment, shared config files) or those named.
type Options struct {
	// Region signs the requests. Default: AWS_REGION or the profile's region;
	// there must be one.
	Region string
	// Profile names a profile of the shared config files. Default AWS_PROFILE.
	Profile string
	// AccessKeyID, SecretAccessKey and SessionToken are static credentials.
	// Without them, the AWS default credential chain is used.
	AccessKeyID, SecretAccessKey, SessionToken string
	// HostedZoneID, if set, is used for every zone instead of a lookup by name.
	HostedZoneID string
	// Endpoint is the API base URL. Default AWS_ENDPOINT_URL_ROUTE_53, else AWS.
	Endpoint string
	// Throttle configures the HTTP transport; zero Name, Rate and Burst take
	// those of throttle.Route53Defaults() (5 requests per second).
	Throttle throttle.Config
	// MaxAttempts bounds the tries of a request refused with Throttling or
	// PriorRequestNotComplete. Default 5.
	MaxAttempts int
	// RetryBaseDelay is the backoff ceiling before the first such retry; it
	// doubles per retry up to 20s, with full jitter. Default 1s.
	RetryBaseDelay time.Duration
	// WaitForSync, if positive, makes Apply wait up to that long for the change
	// to be INSYNC (GetChange). Default 0: no wait; mailzone verifies by asking
	// the authoritative nameservers instead.
	WaitForSync time.Duration
}

// Provider reads and writes Route 53 hosted zones. It is safe for concurrent
// use; create one per provider block, so that the rate limit covers all its
// requests.
type Provider struct {
	opts   Options
	awsCfg aws.Config
	client *r53.Client

	mu      sync.Mutex
	zoneIDs map[string]string // zone name → hosted zone id
	// fleetSize is how many zones the last Prepare was given.
	fleetSize int
	// sets maps hosted zone ids to the nameservers of their reusable
	// delegation set, listed once (setsOnce).
	sets     map[string][]string
	setsOnce sync.Once
	read     map[string]map[rrset.Key]raw // zone name → RRsets as last read
}

// raw is one RRset as Route 53 returned it, kept so that a DELETE can name its
// values exactly, and the reason mailzone must not touch it, if any.
type raw struct {
	set     rrset.RRset
	wire    []string // values as Route 53 spelled them
	ttl     int64
	special string // "alias" or "routing policy"
}

// normZone makes a zone name absolute and lower case.
func normZone(zone string) string { return rrset.Absolute(strings.TrimSpace(zone), ".") }
