// Package dkim reads DKIM public keys and checks DKIM key records (RFC 6376,
// with Ed25519 keys from RFC 8463).
//
// mailzone publishes "<selector>._domainkey" TXT records from keys given in
// mailzone.yaml, either pasted (base64 or PEM) or as a key file, which may
// be the signer's private key. This package turns any of those forms into
// the exact bytes that belong in p=, refuses keys that receivers would
// reject (RSA under 1024 bits, Ed25519 keys that are not 32 bytes), warns
// about weak ones, and renders the record deterministically so plans do not
// show spurious changes. It also checks records read back from DNS and
// selector names.
//
// Private key material never appears in any message.
package dkim
