package lint

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/spf"
)

// SPF limits of RFC 7208 §4.6.4 and the size advice of §3.4.
const (
	MaxLookups     = 10  // DNS-querying terms per evaluation
	MaxVoidLookups = 2   // lookups answered NXDOMAIN or NODATA
	MaxMXNames     = 10  // names behind one mx mechanism
	MaxRecordBytes = 450 // beyond this the answer may not fit 512 bytes
)

// maxFollowed caps how many records one tree follows, so that a tree of
// includes that multiply (each including the same large record) still ends.
const maxFollowed = 100

// SPFNode is one record in the tree that check_host() walks: the record at
// the domain checked, and under it the records its include mechanisms and
// redirect modifier lead to, in evaluation order.
type SPFNode struct {
	// Domain is the domain whose record this is, lower case, no trailing dot.
	Domain string
	// Via is the term that led here ("include:x", "redirect=x"); "" at the root.
	Via string
	// Record is the SPF record text; "" when there is none to follow.
	Record string
	// Own counts the record's own DNS-querying terms (include, a, mx, ptr,
	// exists, redirect) up to its "all".
	Own int
	// Total is the running count of lookups once this record's own terms are
	// counted, walking the tree depth first; at the root it is the whole tree's.
	Total int
	// Note says why the node was not followed or has no record.
	Note     string
	Children []*SPFNode
}

// SPFResult is the RFC 7208 §4.6.4 accounting of one SPF record and
// everything it includes.
type SPFResult struct {
	// Tree is the include/redirect tree; nil when there is no record.
	Tree *SPFNode
	// Lookups counts DNS-querying terms along the evaluation path that
	// matches nothing (the worst case: every term is evaluated).
	Lookups int
	// VoidLookups4 and VoidLookups6 count lookups answered NXDOMAIN or
	// NODATA on that path, for an IPv4 sender (a and exists ask A) and for an
	// IPv6 sender (a asks AAAA); include, redirect and mx count for both.
	VoidLookups4, VoidLookups6 int
	// Problems are what a receiver would turn into permerror or temperror,
	// plus warnings about size and repetition.
	Problems []Problem
}

// Problem is one finding of a check before it is tied to a domain's field.
type Problem struct {
	// Severity is Error for what makes receivers fail the check.
	Severity Severity
	// Code names the rule, as in Finding.Code.
	Code string
	Msg  string
}

// Codes of the SPF findings.
const (
	CodeSPFLookupLimit   = "spf-lookup-limit"   // more than 10 DNS-querying terms
	CodeSPFVoidLimit     = "spf-void-limit"     // more than 2 void lookups
	CodeSPFMXLimit       = "spf-mx-limit"       // more than 10 names behind one mx
	CodeSPFNoRecord      = "spf-no-record"      // include or redirect target without SPF record
	CodeSPFMultiple      = "spf-multiple"       // more than one SPF record at a name
	CodeSPFSyntax        = "spf-syntax"         // a record in the tree does not parse
	CodeSPFLoop          = "spf-loop"           // include or redirect back to a domain on the path
	CodeSPFDuplicate     = "spf-duplicate"      // the same domain included twice
	CodeSPFTooLong       = "spf-too-long"       // a record over 450 bytes
	CodeSPFMacro         = "spf-macro"          // a lookup that depends on the sender, not checked
	CodeSPFLookupFailed  = "spf-lookup-failed"  // a lookup failed (temperror)
	CodeSPFNotPublished  = "spf-not-published"  // no SPF record is published at the domain
	CodeSPFTree          = "spf-tree"           // the tree itself, for display
	CodeSPFPublishedSame = "spf-published-same" // the published record is the desired one
)

// SPF walks the tree of the SPF record text as if it were published at
// domain, asking r for every record it includes.
func SPF(ctx context.Context, r Resolver, domain, text string) *SPFResult {
	w := newSPFWalk(ctx, r)
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	w.res.Tree = w.record(domain, "", text, nil)
	w.finish()
	return w.res
}

// PublishedSPF finds the SPF record published at domain now and walks its
// tree. With no record the result has no tree and one Problem saying so
// (Info, since a domain may publish none yet).
func PublishedSPF(ctx context.Context, r Resolver, domain string) *SPFResult {
	w := newSPFWalk(ctx, r)
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	text, note, code, _ := w.fetch(domain)
	switch {
	case code == CodeSPFNoRecord:
		w.add(Info, CodeSPFNotPublished, "%s publishes no SPF record (%s)", domain, note)
	case note != "":
		w.add(Error, code, "%s: %s", domain, note)
	default:
		w.res.Tree = w.record(domain, "", text, nil)
	}
	w.finish()
	return w.res
}

type spfWalk struct {
	ctx      context.Context
	r        Resolver
	res      *SPFResult
	pre      int            // lookups counted in pre-order, for SPFNode.Total
	followed int            // records followed
	included map[string]int // include and redirect targets, how often
	order    []string
	limitAt  string // the term that crossed the lookup limit
	done     map[string]bool
}

func newSPFWalk(ctx context.Context, r Resolver) *spfWalk {
	return &spfWalk{ctx: ctx, r: r, res: &SPFResult{}, included: map[string]int{}, done: map[string]bool{}}
}

func (w *spfWalk) add(s Severity, code, format string, args ...any) {
	w.res.Problems = append(w.res.Problems, Problem{s, code, fmt.Sprintf(format, args...)})
}

// once adds a problem only the first time key is seen, so a record included
// twice is not reported twice.
func (w *spfWalk) once(key string, s Severity, code, format string, args ...any) {
	if w.done[key] {
		return
	}
	w.done[key] = true
	w.add(s, code, format, args...)
}

// finish closes the walk: the root's total is the whole tree's, and the
// lookup limit and duplicate includes are judged on the whole tree.
func (w *spfWalk) finish() {
	res := w.res
	if res.Tree != nil {
		res.Tree.Total = w.pre
	}
	if res.Lookups > MaxLookups {
		w.add(Error, CodeSPFLookupLimit, "the SPF tree needs %d DNS lookups; the limit is %d (RFC 7208 §4.6.4), and %s is lookup %d, so senders matched there or later get permerror; flatten or remove includes",
			res.Lookups, MaxLookups, w.limitAt, MaxLookups+1)
	}
	for _, d := range w.order {
		if n := w.included[d]; n > 1 {
			w.add(Warning, CodeSPFDuplicate, "%s is included %d times in the SPF tree and its lookups are counted each time; include it once", d, n)
		}
	}
}

// fetch returns the one SPF record at domain, or a note and code saying why
// there is none to follow.
func (w *spfWalk) fetch(domain string) (text, note, code string, void bool) {
	ans, err := w.r.Lookup(w.ctx, domain, dns.TypeTXT)
	if err != nil {
		return "", "lookup failed: " + lookupReason(err) + " (receivers return temperror)", CodeSPFLookupFailed, false
	}
	var recs []string
	for _, t := range ans.TXT() {
		if schema.IsSPF(t) {
			recs = append(recs, t)
		}
	}
	switch {
	case ans.Void():
		return "", ans.Status.String(), CodeSPFNoRecord, true
	case len(recs) == 0:
		return "", "no v=spf1 TXT record", CodeSPFNoRecord, false
	case len(recs) > 1:
		return "", fmt.Sprintf("%d SPF records (%s); RFC 7208 §4.5 makes that a permerror", len(recs), quoteAll(recs)), CodeSPFMultiple, false
	}
	return recs[0], "", "", false
}

// record accounts for one record and follows its includes and redirect.
func (w *spfWalk) record(domain, via, text string, path []string) *SPFNode {
	n := &SPFNode{Domain: domain, Via: via, Record: text}
	w.followed++
	if len(text) > MaxRecordBytes {
		w.once("long "+domain, Warning, CodeSPFTooLong, "the SPF record at %s is %d bytes; keep it to %d or fewer so the answer fits in 512 bytes (RFC 7208 §3.4)", domain, len(text), MaxRecordBytes)
	}
	rec, err := spf.Parse(text)
	if err != nil {
		n.Note = "syntax error"
		w.once("syntax "+domain, Error, CodeSPFSyntax, "the SPF record at %s does not parse, so receivers return permerror: %v", domain, err)
		return n
	}
	path = append(path, domain)
	terms := evaluated(rec)
	if m := repeatedModifier(rec); m != "" {
		w.once("syntax "+domain, Error, CodeSPFSyntax, "the SPF record at %s has %s more than once, so receivers return permerror (RFC 7208 §6)", domain, m)
	}
	for _, t := range terms {
		if queriesDNS(t) {
			n.Own++
		}
	}
	w.pre += n.Own
	n.Total = w.pre
	for _, t := range terms {
		if !queriesDNS(t) {
			continue
		}
		w.res.Lookups++
		if w.res.Lookups == MaxLookups+1 {
			w.limitAt = fmt.Sprintf("%q at %s", t.Text, domain)
		}
		target := domain
		if v := termDomain(t); v != "" {
			target = v
		}
		if strings.Contains(target, "%") {
			if strings.Contains(target, "%{") {
				w.once("macro "+domain+" "+t.Text, Info, CodeSPFMacro, "%q at %s depends on the sender (macro), so its lookups were not checked", t.Text, domain)
				if t.Mechanism == "include" || t.Modifier == "redirect" {
					n.Children = append(n.Children, &SPFNode{Domain: target, Via: viaText(t, target), Note: "depends on the sender; not followed"})
				}
				continue
			}
			target = expandEscapes(target)
		}
		if why := badName(target); why != "" {
			w.once("name "+target, Error, CodeSPFSyntax, "%q at %s names %q, which is not a valid domain name (%s); receivers treat the term as no match or as permerror (RFC 7208 §4.3, §4.8)", t.Text, domain, target, why)
			continue
		}
		switch {
		case t.Mechanism == "include" || t.Modifier == "redirect":
			n.Children = append(n.Children, w.follow(domain, t, target, path))
		case t.Mechanism == "a":
			w.void(t, domain, target, dns.TypeA, true, false)
			w.void(t, domain, target, dns.TypeAAAA, false, true)
		case t.Mechanism == "mx":
			ans, ok := w.void(t, domain, target, dns.TypeMX, true, true)
			if ok && len(ans.MX()) > MaxMXNames {
				w.once("mx "+target, Error, CodeSPFMXLimit, "%q at %s: %s has %d MX records; more than %d makes the mx mechanism a permerror (RFC 7208 §4.6.4)", t.Text, domain, target, len(ans.MX()), MaxMXNames)
			}
		case t.Mechanism == "exists":
			w.void(t, domain, target, dns.TypeA, true, true)
		}
	}
	return n
}

// follow accounts for an include or redirect to target.
func (w *spfWalk) follow(domain string, t spf.Term, target string, path []string) *SPFNode {
	via := viaText(t, target)
	for _, p := range path {
		if p == target {
			w.once("loop "+domain+" "+target, Error, CodeSPFLoop, "%q at %s leads back to %s (%s), a loop that receivers end with permerror", t.Text, domain, target, strings.Join(append(path, target), " → "))
			return &SPFNode{Domain: target, Via: via, Note: "loop"}
		}
	}
	if w.included[target] == 0 {
		w.order = append(w.order, target)
	}
	w.included[target]++
	if w.followed >= maxFollowed {
		return &SPFNode{Domain: target, Via: via, Note: "not followed: the tree is too large"}
	}
	text, note, code, void := w.fetch(target)
	switch code {
	case "":
		return w.record(target, via, text, path)
	case CodeSPFNoRecord:
		if void {
			w.countVoid(t, domain, true, true)
		}
		w.once("none "+target, Error, code, "%q at %s: %s has no SPF record (%s), so receivers return permerror (RFC 7208 §5.2, §6.1)", t.Text, domain, target, note)
	case CodeSPFLookupFailed:
		w.once("failed "+target, Error, code, "%q at %s: %s", t.Text, domain, note)
	default:
		w.once("multiple "+target, Error, code, "%q at %s: %s has %s", t.Text, domain, target, note)
	}
	return &SPFNode{Domain: target, Via: via, Note: note}
}

// void asks target for qtype and counts a void answer against the families
// given. ok is false when the lookup failed.
func (w *spfWalk) void(t spf.Term, domain, target string, qtype uint16, v4, v6 bool) (Answer, bool) {
	ans, err := w.r.Lookup(w.ctx, target, qtype)
	if err != nil {
		w.once("failed "+target+" "+dns.TypeToString[qtype], Error, CodeSPFLookupFailed, "%q at %s: lookup failed: %s (receivers return temperror)", t.Text, domain, lookupReason(err))
		return ans, false
	}
	if ans.Void() {
		w.countVoid(t, domain, v4, v6)
	}
	return ans, true
}

func (w *spfWalk) countVoid(t spf.Term, domain string, v4, v6 bool) {
	res := w.res
	if v4 {
		res.VoidLookups4++
		if res.VoidLookups4 == MaxVoidLookups+1 {
			w.add(Error, CodeSPFVoidLimit, "%q at %s is void lookup %d (NXDOMAIN or NODATA); more than %d make receivers return permerror (RFC 7208 §4.6.4); remove terms for names that do not exist",
				t.Text, domain, MaxVoidLookups+1, MaxVoidLookups)
		}
	}
	if v6 {
		res.VoidLookups6++
		if res.VoidLookups6 == MaxVoidLookups+1 && res.VoidLookups4 <= MaxVoidLookups {
			w.add(Warning, CodeSPFVoidLimit, "for IPv6 senders %q at %s is void lookup %d (no AAAA record); more than %d make receivers return permerror (RFC 7208 §4.6.4)",
				t.Text, domain, MaxVoidLookups+1, MaxVoidLookups)
		}
	}
}
