// Package rfc2136 is the provider for name servers that take RFC 2136 dynamic
// updates signed with TSIG (RFC 8945): BIND, Knot, PowerDNS and others, typically
// an organisation's own hidden primary.
//
// It reads a zone with a TSIG-signed AXFR through github.com/libdns/rfc2136, and
// writes with github.com/miekg/dns directly, because the design needs what the
// libdns package does not offer: all edits of one Apply in ONE UPDATE message,
// which the server applies atomically (no reader ever sees two SPF records or no
// MX), deletes of exactly the records mailzone owns, leaving the others at the
// same name and type alone, and TXT written as 255-byte character-strings. The
// libdns package's writes use one message per call, replace whole RRsets
// (SetRecords), and split TXT by runes with Go quoting rather than by bytes.
//
// Deleting one record in RFC 2136 names its exact RDATA, and a TXT record's RDATA
// includes how its text is cut into character-strings, which mailzone normalizes
// away. So Apply first reads the RRsets it edits, deletes the records as the server
// holds them, and makes that read a prerequisite of the UPDATE: if the zone changed
// in between, the server rejects the whole message and nothing is written. After
// the UPDATE it reads the RRsets again, because a server may accept a message and
// still skip parts of it (BIND ignores a CNAME added beside other data).
//
// TTLs: DNS has one TTL per RRset. When an edit writes a new TTL into an RRset that
// also holds records mailzone does not own (Edit.Keep), the server applies the new
// TTL to the whole RRset, kept records included; [rrset.Edit.Result] describes the
// same outcome.
package rfc2136

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/libdns/libdns"
	librfc2136 "github.com/libdns/rfc2136"
	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
)

// TypeName is the provider type in mailzone.yaml.
const TypeName = "rfc2136"

// DefaultAlgorithm is the TSIG algorithm used when key_algorithm is not set.
const DefaultAlgorithm = "hmac-sha256"

// timeout bounds each exchange with the server.
const timeout = 30 * time.Second

func init() {
	providers.Register(providers.Type{
		Name: TypeName,
		Settings: []providers.Setting{
			{Name: "server", Required: true, Help: "primary name server as host:port (port 53 when omitted)"},
			{Name: "key_name", Required: true, Help: "TSIG key name, as configured on the server"},
			{Name: "key_algorithm", Help: "TSIG algorithm: hmac-sha256 (default), hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, hmac-md5"},
			{Name: "key", Required: true, Secret: true, Help: "TSIG secret, base64"},
		},
		Open: Open,
	})
}

// algorithms maps key_algorithm values to the names github.com/miekg/dns uses.
var algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha512": dns.HmacSHA512,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha224": dns.HmacSHA224,
	"hmac-sha1":   dns.HmacSHA1,
	"hmac-md5":    dns.HmacMD5,
}

// Provider reads zones by AXFR and writes them by UPDATE at one server, with one
// TSIG key.
type Provider struct {
	server  string // host:port
	keyName string // absolute
	keyAlg  string // miekg/dns name, absolute
	secret  string // base64
	lib     *librfc2136.Provider
	// xfers bounds the zone transfers in flight at the server: BIND serves
	// at most 10 at once (transfers-out) and answers SERVFAIL beyond that.
	xfers chan struct{}
}

// maxTransfers is how many AXFRs one provider runs at once, below BIND's
// default transfers-out of 10, whatever --parallel is.
const maxTransfers = 8

// Open builds a provider from a checked configuration: settings server, key_name,
// key and optionally key_algorithm. Every setting is validated here, so a missing
// or malformed key is reported before any request is made.
func Open(cfg providers.Config) (providers.Provider, error) {
	s := cfg.Settings
	server := strings.TrimSpace(s["server"])
	if server == "" {
		return nil, errors.New("server: required (host:port of the primary name server)")
	}
	if _, _, err := net.SplitHostPort(server); err != nil {
		if strings.Contains(server, ":") && !strings.HasPrefix(server, "[") && strings.Count(server, ":") == 1 {
			return nil, fmt.Errorf("server: %q is not host:port: %v", server, err)
		}
		server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
	}
	if s["key_name"] == "" || s["key"] == "" {
		return nil, errors.New("key_name and key: required; updates and zone transfers are signed with a TSIG key")
	}
	if _, err := base64.StdEncoding.DecodeString(s["key"]); err != nil {
		return nil, errors.New("key: not valid base64 (the TSIG secret as in the server's key statement)")
	}
	algName := strings.ToLower(strings.TrimSuffix(s["key_algorithm"], "."))
	if algName == "" {
		algName = DefaultAlgorithm
	}
	alg, ok := algorithms[algName]
	if !ok {
		return nil, fmt.Errorf("key_algorithm: unknown TSIG algorithm %q (known: hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, hmac-md5)", s["key_algorithm"])
	}
	p := &Provider{
		server:  server,
		keyName: dns.Fqdn(strings.ToLower(s["key_name"])),
		keyAlg:  alg,
		secret:  s["key"],
		xfers:   make(chan struct{}, maxTransfers),
	}
	p.lib = &librfc2136.Provider{
		KeyName: p.keyName,
		KeyAlg:  strings.TrimSuffix(alg, "."), // the library appends the dot
		Key:     p.secret,
		Server:  p.server,
	}
	return p, nil
}

// Records reads zone with one TSIG-signed AXFR and returns its RRsets, SOA and NS
// included.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	zone = rrset.Absolute(zone, ".")
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if p.xfers != nil {
		select {
		case p.xfers <- struct{}{}:
			defer func() { <-p.xfers }()
		case <-ctx.Done():
			return nil, p.transferError(zone, ctx.Err())
		}
	}
	// A busy server (its transfer quota reached by other clients) answers
	// SERVFAIL: retried a few times with backoff before it is an error.
	var recs []libdns.Record
	var err error
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		recs, err = p.lib.GetRecords(ctx, zone)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("rcode: %d", dns.RcodeServerFailure)) || wait > time.Second {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, p.transferError(zone, err)
		}
	}
	if err != nil {
		return nil, p.transferError(zone, err)
	}
	return fromLibdns(zone, recs), nil
}

// transferError explains a failed AXFR. miekg/dns reports any NOTAUTH answer as
// dns.ErrAuth, which BIND gives both for a rejected key and for a zone it does not
// serve, and any other refusal as "bad xfr rcode: N".
func (p *Provider) transferError(zone string, err error) error {
	key := strings.TrimSuffix(p.keyName, ".")
	var hint string
	switch {
	case tsigHint(err) != err || strings.Contains(err.Error(), fmt.Sprintf("rcode: %d", dns.RcodeNotAuth)):
		hint = fmt.Sprintf("; the server did not accept TSIG key %s (check key_name, key_algorithm and key, and that the clocks agree), or it does not serve %s", key, zone)
	case strings.Contains(err.Error(), fmt.Sprintf("rcode: %d", dns.RcodeRefused)):
		hint = fmt.Sprintf("; the server refused the transfer (REFUSED): allow-transfer must include key %s, and the server must serve %s", key, zone)
	}
	return fmt.Errorf("read %s from %s by AXFR: %w%s", zone, p.server, err, hint)
}

// fromLibdns converts what libdns/rfc2136 read into RRsets. It is the one place
// records read from the server become values (see normalize).
func fromLibdns(zone string, recs []libdns.Record) []rrset.RRset {
	type acc struct {
		name, typ string
		ttl       uint32
		values    []string
	}
	var order []rrset.Key
	sets := map[rrset.Key]*acc{}
	for _, rec := range recs {
		rr := rec.RR()
		k := rrset.Key{Name: rrset.Absolute(rr.Name, zone), Type: strings.ToUpper(rr.Type)}
		a := sets[k]
		if a == nil {
			a = &acc{name: k.Name, typ: k.Type, ttl: uint32(rr.TTL / time.Second)}
			sets[k] = a
			order = append(order, k)
		}
		a.values = append(a.values, normalize(k.Type, rr.Data))
	}
	out := make([]rrset.RRset, 0, len(order))
	for _, k := range order {
		a := sets[k]
		out = append(out, rrset.New(zone, a.name, a.typ, a.ttl, a.values...))
	}
	return out
}

// normalize turns record data as libdns/rfc2136 (and miekg/dns) present it into
// mailzone's normalized value. For TXT that presentation is the record's
// character-strings concatenated, each still in zone-file escaped form (\" \\
// \DDD) but without quotes; quoting it once makes it zone-file data that
// rrset.JoinTXT decodes.
func normalize(typ, data string) string {
	if strings.EqualFold(typ, "TXT") {
		return rrset.JoinTXT(`"` + data + `"`)
	}
	return rrset.NormalizeValue(typ, data)
}
