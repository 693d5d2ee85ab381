package route53

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/mailzone/mailzone/providers/throttle"
	"github.com/mailzone/mailzone/rrset"
)

// refusedCodes are the Route 53 error codes (HTTP 400) that mean the request
// was refused before it was processed, so it is safe to send again, even a
// change batch. The throttle transport does not retry them, since it retries
// only 429 and 5xx.
var refusedCodes = map[string]struct{}{
	"Throttling":              {},
	"ThrottlingException":     {},
	"PriorRequestNotComplete": {},
	"RequestLimitExceeded":    {},
}

// New loads the AWS configuration the options describe and returns a provider.
// It reads environment variables and shared config files but sends no request.
// It fails when no region is configured; missing credentials are reported by
// the first Records or Apply, before any request to Route 53.
func New(o Options) (*Provider, error) {
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		return nil, errors.New("route53: access_key_id and secret_access_key must be set together")
	}
	def := throttle.Route53Defaults()
	if o.Throttle.Name == "" {
		o.Throttle.Name = def.Name
	}
	if o.Throttle.Rate <= 0 {
		o.Throttle.Rate = def.Rate
	}
	if o.Throttle.Burst <= 0 {
		o.Throttle.Burst = def.Burst
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = time.Second
	}
	base := o.RetryBaseDelay
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.RateLimiter = ratelimit.None
				so.Retryables = []retry.IsErrorRetryable{
					retry.NoRetryCanceledError{},
					retry.RetryableErrorCode{Codes: refusedCodes},
				}
				so.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
					ceiling := base << min(attempt-1, 16)
					ceiling = min(ceiling, 20*time.Second)
					return rand.N(ceiling + 1), nil
				})
			})
		}),
	}
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.AccessKeyID != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, o.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), loadOpts...)
	if err != nil {
		if o.Profile != "" {
			return nil, fmt.Errorf("route53: load AWS configuration for profile %q: %w", o.Profile, err)
		}
		return nil, fmt.Errorf("route53: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("route53: no region: set region: in the provider block or AWS_REGION")
	}
	// Only Route 53 requests go through the throttle; credential providers keep
	// the SDK's client. The throttle sends through the SDK's own transport, so
	// AWS_CA_BUNDLE and proxy settings still apply.
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok && o.Throttle.Next == nil {
		o.Throttle.Next = bc.GetTransport()
	}
	client := r53.NewFromConfig(cfg, func(ro *r53.Options) {
		ro.HTTPClient = &http.Client{Transport: throttle.New(o.Throttle)}
		if o.Endpoint != "" {
			ro.BaseEndpoint = aws.String(strings.TrimSuffix(o.Endpoint, "/"))
		}
	})
	return &Provider{
		opts:    o,
		awsCfg:  cfg,
		client:  client,
		zoneIDs: map[string]string{},
		read:    map[string]map[rrset.Key]raw{},
	}, nil
}

// credentials makes sure credentials can be found before the first request, so
// that a missing one is reported as such rather than as a signing failure.
// Found credentials are cached by the SDK.
func (p *Provider) credentials(ctx context.Context) error {
	if p.awsCfg.Credentials == nil {
		return errors.New("route53: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or access_key_id and secret_access_key in the provider block")
	}
	c, err := p.awsCfg.Credentials.Retrieve(ctx)
	if err == nil && c.AccessKeyID == "" {
		err = errors.New("empty access key id")
	}
	if err != nil {
		return fmt.Errorf("route53: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or access_key_id and secret_access_key in the provider block): %w", err)
	}
	return nil
}
