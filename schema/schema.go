// Package schema is the desired state: it loads mailzone.yaml (schema version 1),
// merges profiles and defaults into each domain, validates every policy offline, and
// builds the DNS records each domain should publish.
//
// Everything that can go wrong in a configuration is reported here, before any
// provider is contacted, with the file, line, column and field path of the cause, and
// all at once, so a pull request shows every problem in one run. Nothing in this
// package does network I/O; key files named by the configuration are the only files
// it reads besides the configuration itself.
package schema

import (
	"strings"
	"time"

	"github.com/mailzone/mailzone/mtasts"
	"github.com/mailzone/mailzone/spf"
)

// Version is the schema version this package loads.
const Version = 1

// Config is a loaded, merged and validated configuration file.
type Config struct {
	// File is the path the configuration was loaded from.
	File string
	// Dir is the directory of File; relative paths in the file are taken from it.
	Dir string
	// Providers are the named provider blocks, in file order.
	Providers []*Provider
	// Defaults are the values every domain inherits.
	Defaults Defaults
	// Domains are the domains, in file order, with profiles and defaults merged.
	Domains []*Domain
	// Warnings are findings that do not stop mailzone.
	Warnings Diagnostics
}

// Provider is one named provider block.
type Provider struct {
	Name string
	Type string
	Pos  Pos
	// Settings are the block's keys other than type, after ${VAR} expansion.
	Settings map[string]Setting
	// Unset lists diagnostics for ${VAR} references whose variable is not set.
	// They are errors for any command that opens this provider, and only then.
	Unset Diagnostics
}

// Setting is one key of a provider block.
type Setting struct {
	// Value is the value after ${VAR} expansion. It may be a secret: never print it.
	Value string
	// Vars are the environment variables the raw value referenced.
	Vars []string
	// Expanded are the values of Vars, each a secret on its own: a token
	// inside an endpoint URL may reach a message without the rest of it.
	Expanded []string
	Pos      Pos
}

// SettingValues returns the expanded settings as a plain map, for providers.Config.
func (p *Provider) SettingValues() map[string]string {
	m := make(map[string]string, len(p.Settings))
	for k, s := range p.Settings {
		m[k] = s.Value
	}
	return m
}

// Secrets returns every non-empty setting value of p, so that output can be
// scrubbed of them whatever their key.
func (p *Provider) Secrets() []string {
	var out []string
	for _, s := range p.Settings {
		if len(s.Vars) > 0 && s.Value != "" {
			out = append(out, s.Value)
		}
		for _, v := range s.Expanded {
			if v != s.Value {
				out = append(out, v)
			}
		}
	}
	return out
}

// Defaults are inherited by every domain.
type Defaults struct {
	TTL      uint32
	Provider string
	// Resolver is the recursive resolver (host:port) for lint and NS discovery;
	// empty means the system resolver from /etc/resolv.conf.
	Resolver string
	Verify   Verify
	// NewZone is what `onboard --create-zone` writes into a new zone file's
	// SOA and NS records.
	NewZone NewZone
	// ReportAuthorization is "wildcard" to publish one
	// *._report._dmarc.<dest> per destination instead of one record per
	// domain (defaults.report_authorization).
	ReportAuthorization string
	// DMARCEvidence is the aggregate-report summary (dmarc reports --out)
	// that gated rollout stages read, relative to the configuration's
	// directory; plan --dmarc-evidence overrides it.
	DMARCEvidence string
	// MaxChangePercent is apply's safety threshold (defaults.safety): the
	// share of existing owned record sets a plan may update or delete
	// without --allow-mass-change. Default 30.
	MaxChangePercent int
}

// NewZone holds the SOA and NS values of a zone file that onboard creates.
type NewZone struct {
	// Nameservers are the zone's NS host names, absolute.
	Nameservers []string
	// Hostmaster is the SOA RNAME as a host name (hostmaster.example.net.).
	Hostmaster string
}

// Verify configures propagation checks for a domain.
type Verify struct {
	// Nameservers, when set, are queried instead of discovering the NS set.
	Nameservers []string
	// Timeout bounds the wait for every nameserver to agree. Zero means the default.
	Timeout time.Duration
}

// Domain is one managed domain with its profile and the defaults merged in.
type Domain struct {
	// Name is the domain, lower case, without a trailing dot.
	Name string
	// Zone is the DNS zone holding the domain's records (the domain itself unless set).
	Zone     string
	Provider string
	Profile  string
	TTL      uint32
	// Parked is set by `mail: none`: the domain sends and receives no mail.
	Parked bool
	MX     *MX
	SPF    *TXTField
	DKIM   []Selector
	// DKIMPolicy is the key rotation policy, from dkim_policy.
	DKIMPolicy DKIMPolicy
	DMARC      *TXTField
	MTASTS     *TXTField
	// SPFFlattened is set once package flatten has resolved the flattened
	// includes of SPF (SPF.Flatten): until then the domain's SPF and its
	// chained records are not planned at all, so nothing unresolved is
	// ever written over a published flattened record. SPFChain are the
	// _spf1, _spf2, ... records the flattened SPF includes.
	SPFFlattened bool
	SPFChain     []string
	// ReportAuth are the report authorizations this domain's zone publishes
	// for other domains of the file (see authorizeReports).
	ReportAuth []ReportAuth
	// ReportAuthManaged are the report destinations outside the domain's
	// organizational domain whose authorization the file publishes.
	ReportAuthManaged map[string]bool
	// MTASTSPolicy is the MTA-STS policy MTASTS announces, when mta_sts
	// is configured (and not deleted).
	MTASTSPolicy *MTASTS
	TLSRPT       *TXTField
	BIMI         *TXTField
	Verify       Verify
	// Pos is where the domain's key appears in the file.
	Pos Pos
	// Fields are the domain's own keys ("spf", "dkim") with the positions
	// of their values, for messages about them from later stages (see
	// [Domain.FieldPos]).
	Fields []FieldPos
}

// FieldPos is where a domain's key has its value.
type FieldPos struct {
	Field string
	Pos   Pos
}

// FieldPos returns the position of the value of the domain's key field.
func (d *Domain) FieldPos(field string) (Pos, bool) {
	for _, f := range d.Fields {
		if f.Field == field {
			return f.Pos, true
		}
	}
	return Pos{}, false
}

// MX is the single mail exchanger. Host "." with preference 0 is the RFC 7505 null MX.
type MX struct {
	Host       string
	Preference uint16
	Pos        Pos
}

// TXTField is a managed TXT record rendered from the configuration. Absent means
// mailzone must make sure no such record exists (an explicit `delete: true`).
type TXTField struct {
	Text   string
	Absent bool
	Pos    Pos
	// Rollout, for DMARC, reaches the policy in stages; Text is then the
	// final record until package rollout sets the one in force.
	Rollout *Rollout
	// Flatten, for SPF, names includes to publish as the addresses they
	// authorize; Text is the unflattened record until package flatten
	// resolves them.
	Flatten *SPFFlatten
}

// SPFFlatten is an SPF record some of whose includes are published as the
// ip4 and ip6 terms they resolve to (spf.flatten).
type SPFFlatten struct {
	// Spec is the record as configured.
	Spec spf.Spec
	// Names are the includes to flatten, lower case, in the order given.
	Names []string
}

// MTASTS is a domain's MTA-STS policy: the file served over HTTPS and the
// id the _mta-sts record carries.
type MTASTS struct {
	Policy mtasts.Policy
	// ID is the policy id: derived from the policy, or pinned (Pinned).
	ID     string
	Pinned bool
	// Host, when set, is the CNAME target of mta-sts.<domain>: the MSP's
	// policy host, published as an owned record.
	Host string
}

// Selector is one DKIM selector at <name>._domainkey.<domain>.
type Selector struct {
	Name string
	// Kind says what is published.
	Kind SelectorKind
	// Text is the TXT data for KeySelector and RevokedSelector.
	Text string
	// Target is the CNAME target for CNAMESelector.
	Target string
	// Bits and Algorithm describe the key for KeySelector ("rsa" 2048, "ed25519" 256).
	Algorithm string
	Bits      int
	// Public is the DER of the public key for KeySelector (SubjectPublicKeyInfo
	// for RSA, the raw 32 bytes for Ed25519), for fingerprints.
	Public []byte
	// KeyFile is the key_file as written, when the key comes from one.
	KeyFile string
	// Created is when the key was made (onboard and rotate write it), or zero.
	Created time.Time
	Pos     Pos
}

// DKIMPolicy is a domain's key rotation policy (dkim_policy).
type DKIMPolicy struct {
	// RotateEvery is the age at which a key is due for rotation; zero: never.
	RotateEvery time.Duration
	// Algorithm of new keys: "rsa", "ed25519" or "both"; default "rsa".
	Algorithm string
	// Bits of new RSA keys; default 2048.
	Bits int
	// Selector is the pattern new selectors are named by, with {yyyy}, {mm}
	// and {dd}; default "mz{yyyy}{mm}".
	Selector string
	Pos      Pos
}

// SelectorName expands the policy's selector pattern for the time t.
func (p DKIMPolicy) SelectorName(t time.Time) string {
	pat := p.Selector
	if pat == "" {
		pat = "mz{yyyy}{mm}"
	}
	return strings.NewReplacer("{yyyy}", t.Format("2006"), "{mm}", t.Format("01"), "{dd}", t.Format("02")).Replace(pat)
}

// SelectorKind says what a DKIM selector publishes.
type SelectorKind int

// The kinds of selector.
const (
	KeySelector     SelectorKind = iota // a TXT with the public key
	CNAMESelector                       // a CNAME to a key hosted elsewhere (an ESP)
	RevokedSelector                     // "v=DKIM1; p=": the key is revoked
	DeletedSelector                     // nothing: any record at the selector is deleted
	WildcardRevoked                     // *._domainkey "v=DKIM1; p=" of a parked domain
)

// Domain looks a domain up by name.
func (c *Config) Domain(name string) *Domain {
	for _, d := range c.Domains {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// DeclaredProviders lists the names of the declared providers, for messages.
func (c *Config) DeclaredProviders() string {
	names := make([]string, len(c.Providers))
	for i, p := range c.Providers {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Provider looks a provider block up by name.
func (c *Config) Provider(name string) *Provider {
	for _, p := range c.Providers {
		if p.Name == name {
			return p
		}
	}
	return nil
}
