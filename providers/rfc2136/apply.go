package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/rrset"
)

// Apply writes all edits to zone in one UPDATE message, which the server applies
// atomically: it returns (len(edits), nil) or (0, err). For each edit it deletes
// exactly the records of Old (as the server holds them) and adds those of New
// with New's TTL; records in Keep are never named in the message.
//
// All deletes come before all adds, so that replacing a TXT selector by a CNAME
// works in either edit order. The message carries as prerequisites the edited
// RRsets as read just before: if another writer changed one, the server rejects
// the message (NXRRSET or YXRRSET) and nothing is written.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, nil
	}
	zone = rrset.Absolute(zone, ".")
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, e := range edits {
		if err := checkEdit(zone, e); err != nil {
			return 0, err
		}
	}

	current, err := p.readSets(ctx, zone, edits)
	if err != nil {
		return 0, fmt.Errorf("update %s: read before writing: %w", zone, err)
	}
	m, err := buildUpdate(zone, edits, current)
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", zone, err)
	}
	if len(m.Ns) > 0 {
		if err := p.send(ctx, zone, m); err != nil {
			return 0, err
		}
	}

	after, err := p.readSets(ctx, zone, edits)
	if err != nil {
		return 0, fmt.Errorf("update %s: the server accepted the UPDATE, but reading it back failed (run plan to confirm what was written): %w", zone, err)
	}
	for i, e := range edits {
		if err := checkWritten(e, after[i]); err != nil {
			return 0, fmt.Errorf("update %s: the server accepted the UPDATE but did not apply all of it (run plan to see what was written): %w", zone, err)
		}
	}
	return len(edits), nil
}

// checkEdit rejects an edit that cannot be expressed in an UPDATE of zone.
func checkEdit(zone string, e rrset.Edit) error {
	k := e.Key()
	if k.Name != zone && !strings.HasSuffix(k.Name, "."+zone) {
		return fmt.Errorf("update %s: %s is outside the zone", zone, k)
	}
	if _, ok := dns.StringToType[k.Type]; !ok {
		return fmt.Errorf("update %s: %s: unknown record type", zone, k)
	}
	return nil
}

// exchange sends one TSIG-signed message over its own TCP connection: TCP because
// a message with several DKIM keys easily exceeds what UDP carries, its own
// connection because miekg/dns chains the TSIG MAC of one exchange into the next
// on a shared connection (right for zone transfers, rejected as BADSIG otherwise).
//
// An error rcode is returned as an *RcodeError, even when, as with a rejected
// key, the response also fails TSIG verification.
func (p *Provider) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	p.sign(m)
	r, _, err := p.client().ExchangeContext(ctx, m, p.server)
	if r != nil && r.Rcode != dns.RcodeSuccess && (err == nil || r.Rcode == dns.RcodeNotAuth || r.Rcode == dns.RcodeRefused) {
		return r, p.rcodeError(r)
	}
	if err != nil {
		return r, tsigHint(err)
	}
	return r, nil
}

// tsigHint explains an error from TSIG verification of a response.
func tsigHint(err error) error {
	for _, e := range []error{dns.ErrSig, dns.ErrAuth, dns.ErrTime, dns.ErrKeyAlg, dns.ErrSecret, dns.ErrNoSig} {
		if errors.Is(err, e) {
			return fmt.Errorf("%w: the response failed TSIG verification; check key_name, key_algorithm and key", err)
		}
	}
	return err
}

func (p *Provider) client() *dns.Client {
	return &dns.Client{
		Net:        "tcp",
		Timeout:    timeout,
		TsigSecret: map[string]string{p.keyName: p.secret},
	}
}

func (p *Provider) sign(m *dns.Msg) {
	m.SetTsig(p.keyName, p.keyAlg, 300, time.Now().Unix())
}

// readSets returns, for each edit, the records the server holds at its name and
// type, exactly as served, from TSIG-signed queries. When any query finds
// records, the sets are taken from one zone transfer instead: a query for a
// name that holds nothing is answered from a wildcard when the zone has one
// (*._domainkey of a parked domain), and a prerequisite built from such an
// answer names an RRset that does not exist, so the server would refuse the
// UPDATE (NXRRSET) every time.
func (p *Provider) readSets(ctx context.Context, zone string, edits []rrset.Edit) ([][]dns.RR, error) {
	out := make([][]dns.RR, len(edits))
	found := false
	for i, e := range edits {
		k := e.Key()
		q := new(dns.Msg)
		q.SetQuestion(k.Name, dns.StringToType[k.Type])
		q.RecursionDesired = false
		r, err := p.exchange(ctx, q)
		var rc *RcodeError
		if errors.As(err, &rc) && rc.Rcode == dns.RcodeNameError {
			continue // no such name: the RRset is empty
		}
		if err != nil {
			return nil, fmt.Errorf("query %s at %s: %w", k, p.server, err)
		}
		if !r.Authoritative {
			return nil, fmt.Errorf("query %s: answer is not authoritative; is %s the primary for the zone?", k, p.server)
		}
		for _, rr := range r.Answer {
			h := rr.Header()
			if h.Rrtype == dns.StringToType[k.Type] && strings.EqualFold(dns.Fqdn(h.Name), k.Name) {
				out[i] = append(out[i], rr)
				found = true
			}
		}
	}
	if !found {
		return out, nil
	}
	return p.transferSets(ctx, zone, edits)
}

// transferSets is readSets from one TSIG-signed AXFR of zone.
func (p *Provider) transferSets(ctx context.Context, zone string, edits []rrset.Edit) ([][]dns.RR, error) {
	m := new(dns.Msg)
	m.SetAxfr(rrset.Absolute(zone, "."))
	p.sign(m)
	tr := &dns.Transfer{TsigSecret: map[string]string{p.keyName: p.secret}, DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout}
	ch, err := tr.In(m, p.server)
	if err != nil {
		return nil, p.transferError(zone, err)
	}
	have := map[rrset.Key][]dns.RR{}
	soaSeen := false
	for env := range ch {
		if env.Error != nil {
			return nil, p.transferError(zone, env.Error)
		}
		for _, rr := range env.RR {
			h := rr.Header()
			if h.Rrtype == dns.TypeSOA {
				if soaSeen {
					continue // the transfer ends with the SOA again
				}
				soaSeen = true
			}
			k := rrset.Key{Name: strings.ToLower(dns.Fqdn(h.Name)), Type: dns.TypeToString[h.Rrtype]}
			have[k] = append(have[k], rr)
		}
	}
	out := make([][]dns.RR, len(edits))
	for i, e := range edits {
		k := e.Key()
		out[i] = have[rrset.Key{Name: strings.ToLower(k.Name), Type: strings.ToUpper(k.Type)}]
	}
	return out, ctx.Err()
}

// buildUpdate makes the one UPDATE message for edits, given the records the
// server holds for each (current[i] for edits[i]).
func buildUpdate(zone string, edits []rrset.Edit, current [][]dns.RR) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetUpdate(zone)
	var dels, adds []dns.RR
	for i, e := range edits {
		k := e.Key()
		cur := current[i]
		// Prerequisite: the RRset is still exactly what was just read.
		if len(cur) == 0 {
			m.RRsetNotUsed([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: k.Name, Rrtype: dns.StringToType[k.Type]}}})
		} else {
			m.Used(copyRRs(cur))
		}
		present := map[string]bool{}
		for _, rr := range cur {
			v := valueOf(rr)
			switch {
			case slices.Contains(e.New.Values, v):
				present[v] = true
				// Re-adding a record with another TTL sets the TTL of the
				// whole RRset.
				if rr.Header().Ttl != e.New.TTL {
					c := dns.Copy(rr)
					c.Header().Ttl = e.New.TTL
					adds = append(adds, c)
				}
			case slices.Contains(e.Old.Values, v):
				dels = append(dels, dns.Copy(rr))
			}
		}
		for _, v := range e.New.Values {
			if present[v] {
				continue
			}
			rr, err := buildRR(k, e.New.TTL, v)
			if err != nil {
				return nil, err
			}
			adds = append(adds, rr)
		}
	}
	m.Remove(dels) // class NONE: delete this one record
	m.Insert(adds)
	return m, nil
}

func copyRRs(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}

// valueOf is the normalized value of a record read with miekg/dns, presented the
// way libdns/rfc2136 presents it, so that normalize is the one conversion.
func valueOf(rr dns.RR) string {
	if txt, ok := rr.(*dns.TXT); ok {
		return normalize("TXT", strings.Join(txt.Txt, ""))
	}
	typ := dns.TypeToString[rr.Header().Rrtype]
	return normalize(typ, strings.TrimPrefix(rr.String(), rr.Header().String()))
}

// buildRR makes the record for a normalized value. TXT text is cut into
// 255-byte character-strings (rrset.SplitTXT, via rrset.QuoteTXT).
func buildRR(k rrset.Key, ttl uint32, value string) (dns.RR, error) {
	data := value
	if k.Type == "TXT" {
		data = rrset.QuoteTXT(value)
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", k.Name, ttl, k.Type, data))
	if err != nil {
		return nil, fmt.Errorf("%s: value %q: %w", k, value, err)
	}
	if rr == nil {
		return nil, fmt.Errorf("%s: empty value", k)
	}
	return rr, nil
}

// send sends the UPDATE and explains a failure.
func (p *Provider) send(ctx context.Context, zone string, m *dns.Msg) error {
	_, err := p.exchange(ctx, m)
	var rc *RcodeError
	switch {
	case errors.As(err, &rc):
		return fmt.Errorf("update %s at %s: %w; nothing was written", zone, p.server, err)
	case err != nil:
		return fmt.Errorf("update %s at %s: %w (outcome unknown; run plan to see what was written)", zone, p.server, err)
	}
	return nil
}

// RcodeError is a response from the server with an error rcode.
type RcodeError struct {
	// Rcode is the response code, such as dns.RcodeRefused.
	Rcode int
	// TSIGError is the error field of the response's TSIG record, such as
	// dns.RcodeBadSig, or 0.
	TSIGError uint16
	// Hint says what to check.
	Hint string
}

// Error names the rcode, the TSIG error if any, and the hint.
func (e *RcodeError) Error() string {
	s := dns.RcodeToString[e.Rcode]
	if s == "" {
		s = fmt.Sprintf("rcode %d", e.Rcode)
	}
	if e.TSIGError != 0 {
		if t := dns.RcodeToString[int(e.TSIGError)]; t != "" {
			s += " (" + t + ")"
		}
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// rcodeError explains an error rcode.
func (p *Provider) rcodeError(r *dns.Msg) error {
	e := &RcodeError{Rcode: r.Rcode}
	if t := r.IsTsig(); t != nil {
		e.TSIGError = t.Error
	}
	switch r.Rcode {
	case dns.RcodeNotAuth:
		e.Hint = fmt.Sprintf("the server did not accept TSIG key %s (check key_name, key_algorithm and key, and that the clocks agree), or it is not authoritative for the zone", strings.TrimSuffix(p.keyName, "."))
	case dns.RcodeRefused:
		e.Hint = fmt.Sprintf("the server refused it: key %s may not update this zone (allow-update / update-policy), or the server does not serve the zone", strings.TrimSuffix(p.keyName, "."))
	case dns.RcodeNXRrset, dns.RcodeYXRrset, dns.RcodeNameError, dns.RcodeYXDomain:
		e.Hint = "the zone changed while applying (a record set differs from what was read just before); run plan again"
	case dns.RcodeNotZone:
		e.Hint = "a name is outside the zone"
	}
	return e
}

// checkWritten compares what the server holds after the UPDATE with what the
// edit asked for: every New value present with New's TTL, every Old value that
// is not in New gone.
func checkWritten(e rrset.Edit, after []dns.RR) error {
	have := map[string]uint32{}
	for _, rr := range after {
		have[valueOf(rr)] = rr.Header().Ttl
	}
	k := e.Key()
	for _, v := range e.New.Values {
		ttl, ok := have[v]
		if !ok {
			return fmt.Errorf("%s: %s is missing", k, short(v))
		}
		if ttl != e.New.TTL {
			return fmt.Errorf("%s: TTL is %d, want %d", k, ttl, e.New.TTL)
		}
	}
	for _, v := range e.Old.Values {
		if _, ok := have[v]; ok && !slices.Contains(e.New.Values, v) {
			return fmt.Errorf("%s: %s was not deleted", k, short(v))
		}
	}
	return nil
}

func short(v string) string {
	if len(v) > 60 {
		return fmt.Sprintf("%q… (%d bytes)", v[:50], len(v))
	}
	return fmt.Sprintf("%q", v)
}
