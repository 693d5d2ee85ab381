// Package dmarc parses, checks and builds DMARC policy records (RFC 7489
// and its successor RFC 9989, "DMARCbis").
//
// mailzone publishes one "v=DMARC1" TXT record at _dmarc for every managed
// domain, written either as raw text or as builder fields (Spec). Both are
// checked here with the same messages: the version comes first, policies
// are none, quarantine or reject, report addresses are mailto: URIs, and
// tags that RFC 9989 removed (pct, rf, ri) are flagged so the fleet moves to
// the current standard. The builder renders tags in a fixed order so the
// same policy always gives the same text.
//
// The package is pure: it does no DNS lookups, so it cannot check the
// external report authorization of RFC 7489 section 7.1.
package dmarc
