// Package spf parses, checks and builds SPF records (RFC 7208).
//
// mailzone keeps a domain's SPF policy as desired state, either as a raw
// "v=spf1 ..." string or as builder fields (Spec). Both paths meet here: the
// text is parsed with the full RFC 7208 grammar, so a typo is caught before it
// reaches DNS, and then checked against mailzone's strict rules (Check), so
// that every managed domain ends in "-all", avoids "ptr" and stays within the
// ten-lookup limit. The builder renders terms in a fixed order so the same
// policy always produces byte-identical text, which keeps plans free of
// spurious diffs.
//
// The package is pure: it does no DNS lookups. Limits that depend on the
// records of included domains are checked elsewhere.
package spf
