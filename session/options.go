package session

import (
	"time"

	"github.com/mailzone/mailzone/fleet"
)

// DefaultParallel is how many zones are read, planned, applied and verified
// at once. Providers' own rate limiters bound API traffic whatever this is;
// the value only needs to cover request latency.
const DefaultParallel = 16

// Fleet is which domains an operation works on and how it reads them: the
// options plan, apply, verify and most other commands share.
type Fleet struct {
	// Config is -c; empty finds it (schema.Find).
	Config string
	// Domains limits the run to these domains (-d); empty is all.
	Domains []string
	// Parallel is how many zones are worked on at once.
	Parallel int
	// Shard is K/N: only the zones of shard K of N.
	Shard string
	// RateShare is K/N of each provider's API rate limit.
	RateShare string
	// Offline skips the checks that need DNS (lint).
	Offline bool
	// Resolver is the recursive resolver (host:port).
	Resolver string
	// Evidence is --dmarc-evidence.
	Evidence string
	// Read is "dns" (the providers' nameservers first, the API where they
	// cannot prove a zone unchanged) or "api" (always the API).
	Read string
	// Nameservers are apply's --nameserver addresses, which zones read
	// through DNS (manual) are read from too.
	Nameservers []string
}

// one is the Fleet of one domain of the configuration at path, with the
// defaults the command line gives, and offline: what onboard and dkim
// rotate plan after editing it.
func one(path, domain string) Fleet {
	return Fleet{Config: path, Domains: []string{domain}, Parallel: DefaultParallel, Offline: true, Read: "dns"}
}

// share returns the rate share as a fraction, 0 for the whole limit.
func (f Fleet) share() (float64, error) {
	if f.RateShare == "" {
		return 0, nil
	}
	k, n, err := fleet.ParseFraction(f.RateShare, "rate-share")
	if err != nil {
		return 0, err
	}
	return float64(k) / float64(n), nil
}

// Verifying is how an operation checks the authoritative nameservers.
type Verifying struct {
	// Timeout is how long to wait for every nameserver to agree, for the
	// whole run; 0 takes the longest verify.timeout, then 5m.
	Timeout time.Duration
	// Nameservers are addresses (ip:port) asked instead of the NS set.
	Nameservers []string
	// Verbose prints the matrix of every zone.
	Verbose bool
}

// newProgress makes a progress reporter on stderr.
func (r *Session) newProgress(verb string, total int) *fleet.Progress {
	return fleet.NewProgress(r.Env.Stderr, verb, total, r.Env.StderrTerminal)
}
