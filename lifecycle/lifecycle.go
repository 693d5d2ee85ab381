// Package lifecycle decides where each DKIM selector of a domain stands, from
// a new key to "safe to sign with": the question an email-security provider
// must answer before it signs a customer's mail with a key, since signing
// before the key is served everywhere makes receivers fail DKIM.
//
// It is a pure function of what the configuration declares, what the
// authoritative nameservers served, when mailzone first saw the key served
// everywhere, the zone's negative-caching time and the clock, so the plan,
// `dkim status` and `dkim ready` agree and tests can pin every state.
package lifecycle

import (
	"fmt"
	"sort"
	"time"
)

// State is where a selector stands.
type State string

// The states, in the order a key goes through them.
const (
	// Pending: not served by every authoritative address yet.
	Pending State = "pending"
	// Propagating: served everywhere, but a resolver may still hold a
	// cached NXDOMAIN from before it was published (RFC 2308).
	Propagating State = "propagating"
	// Ready: safe to sign with.
	Ready State = "ready"
	// Retiring: a newer selector of the domain is ready; move the signers.
	Retiring State = "retiring"
	// Revoked: the selector publishes "v=DKIM1; p=".
	Revoked State = "revoked"
)

// Selector is what is known of one selector.
type Selector struct {
	Name string
	// Kind is "key", "cname" or "revoked".
	Kind string
	// Algorithm is "rsa" or "ed25519" (of the target key for a cname).
	Algorithm string
	// Created is when the key was made; zero when unknown.
	Created time.Time
	// Order is the selector's place in the file: a later one is newer when
	// dates are unknown.
	Order int
	// Served is true when every authoritative address serves exactly the
	// desired record (and, for a cname, the target holds a usable key).
	Served bool
	// Stale names the addresses that do not, with what they served.
	Stale []string
	// FirstServed is when mailzone first saw it served everywhere; zero
	// when never.
	FirstServed time.Time
	// Problems are other reasons it cannot be used (a cname target without
	// a usable key).
	Problems []string
}

// Status is a selector's state and why.
type Status struct {
	State State
	// ReadyAt is when a propagating key becomes ready.
	ReadyAt time.Time
	// RotationDue is set when the key is older than the rotation period.
	RotationDue bool
	// AgeDays is the key's age in whole days, or -1 when unknown.
	AgeDays int
	Reasons []string
}

// Evaluate gives the state of each selector of one domain at now. negTTL is
// the zone's negative-caching time; rotateEvery is the rotation period
// (zero: none).
func Evaluate(sels []Selector, now time.Time, negTTL, rotateEvery time.Duration) []Status {
	out := make([]Status, len(sels))
	for i, s := range sels {
		st := Status{AgeDays: -1}
		if !s.Created.IsZero() {
			st.AgeDays = int(now.Sub(s.Created) / (24 * time.Hour))
			if rotateEvery > 0 && s.Kind == "key" && !now.Before(s.Created.Add(rotateEvery)) {
				st.RotationDue = true
				st.Reasons = append(st.Reasons, fmt.Sprintf("rotation due since %s (rotate_every %s)", s.Created.Add(rotateEvery).Format("2006-01-02"), days(rotateEvery)))
			}
		}
		switch {
		case s.Kind == "revoked":
			st.State = Revoked
		case !s.Served || len(s.Problems) > 0:
			st.State = Pending
			st.Reasons = append(st.Reasons, s.Problems...)
			st.Reasons = append(st.Reasons, s.Stale...)
		case s.FirstServed.IsZero() || now.Before(s.FirstServed.Add(negTTL)):
			st.State = Propagating
			first := s.FirstServed
			if first.IsZero() {
				first = now
			}
			st.ReadyAt = first.Add(negTTL)
			st.Reasons = append(st.Reasons, fmt.Sprintf("served everywhere since %s; ready at %s, once resolvers' cached NXDOMAIN has expired (SOA negative TTL %s)",
				first.UTC().Format(time.RFC3339), st.ReadyAt.UTC().Format(time.RFC3339), negTTL))
		default:
			st.State = Ready
		}
		out[i] = st
	}
	// A ready selector with a newer ready one is retiring.
	var ready []int
	for i := range sels {
		if out[i].State == Ready {
			ready = append(ready, i)
		}
	}
	sort.SliceStable(ready, func(a, b int) bool { return newer(sels[ready[a]], sels[ready[b]]) })
	for _, i := range ready[min(1, len(ready)):] {
		out[i].State = Retiring
		out[i].Reasons = append(out[i].Reasons, fmt.Sprintf("selector %s is newer and ready: move the signers to it, then revoke this one", sels[ready[0]].Name))
	}
	// Many receivers verify only RSA (RFC 8463 recommends signing with both).
	rsa, ed := false, false
	for _, s := range sels {
		if s.Kind == "revoked" {
			continue
		}
		rsa = rsa || s.Algorithm == "rsa"
		ed = ed || s.Algorithm == "ed25519"
	}
	if ed && !rsa {
		for i, s := range sels {
			if s.Algorithm == "ed25519" {
				out[i].Reasons = append(out[i].Reasons, "the domain's only keys are Ed25519, which many receivers do not verify yet; add an RSA selector too (RFC 8463)")
			}
		}
	}
	return out
}

// newer reports whether a is newer than b: a later creation date, else later
// in the file.
func newer(a, b Selector) bool {
	if !a.Created.IsZero() && !b.Created.IsZero() && !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	return a.Order > b.Order
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
