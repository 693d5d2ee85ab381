// Package verify proves that a zone's mail-authentication records are live on every
// authoritative nameserver, and reports how the zone is delegated.
//
// A write accepted by a DNS provider's API is not yet a record the world sees: a
// secondary may lag its primary by a notify delay or a failed transfer, one anycast
// address may serve an old copy, and a nameserver may be lame. No peer tool checks
// this well: DNSControl, OctoDNS and Terraform do not check at all; lego checks one
// TXT value on one address per NS name (it dials the host name) and logs its reasons
// only at debug level; certmagic accepts the first nameserver that answers. So
// verify finds the zone's NS set through a recursive resolver, resolves every NS
// name to ALL its IPv4 and IPv6 addresses, and asks every address directly (RD=0,
// EDNS0 with a 1232-byte UDP size, TCP when truncated) for every managed RRset. A
// good answer has the AA bit and exactly the desired values that mailzone owns
// (values at the same name and type that belong to someone else are ignored);
// a record that must be absent is good as NXDOMAIN or NODATA. Every address is
// polled concurrently, with backoff, until all agree or the timeout, and each
// failure keeps its reason (stale value, REFUSED, no AA, timeout) for the final
// nameserver × record matrix.
//
// The files follow the stages: config.go (options and their defaults),
// discover.go (NS set and addresses), query.go (one query to one address),
// compare.go (judging an answer), poll.go (the polling loop), report.go (results
// and the matrix), delegation.go (parent NS versus zone NS versus provider),
// read.go (reading owned names as served, for the manual provider and for
// plans that read through DNS), limit.go and cache.go (what fleet runs share)
// and json.go (the documented JSON shape).
package verify
