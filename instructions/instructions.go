// Package instructions renders the changes of zones mailzone cannot write
// (the manual provider) as steps a person makes in their DNS host's web form:
// one record per line, with the host name relative to the zone and absolute,
// the type, the TTL and the exact value. It exists because the MSP's most
// common customer keeps DNS at their own host, and the ticket or email they
// get must be impossible to misread.
//
// Every value comes from the configuration, which is untrusted: the text
// form is escaped for a terminal and the markdown form for a renderer.
package instructions

import (
	"slices"

	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/rrset"
)

// Action is what the DNS admin does with one record.
type Action string

// The actions of a step.
const (
	Add    Action = "add"
	Change Action = "change"
	Delete Action = "delete"
)

// Step is one record to add, change or delete.
type Step struct {
	Action Action
	// Domain and Field say which configuration entry the record is for.
	Domain, Field string
	// Type is the record type (TXT, MX, CNAME).
	Type string
	// Host is the owner name relative to the zone, "@" for the apex; Name
	// is the absolute name.
	Host, Name string
	// TTL is the record's TTL after the step.
	TTL uint32
	// Value is the record's value after the step (the value to delete, for a
	// delete); From is the value it replaces, for a change.
	Value, From string
	// FromTTL is the TTL before a change that only moves the TTL.
	FromTTL uint32
	// OthersTTL is set when records beside this one, which mailzone does not
	// manage, must take the new TTL too (DNS holds one TTL per name and
	// type); it is how many there are.
	OthersTTL int
}

// MaxString is the longest character-string DNS carries; longer TXT values
// are entered as several strings.
const MaxString = 255

// Long reports whether the step's value is a TXT value over MaxString bytes.
func (s Step) Long() bool { return s.Type == "TXT" && s.Action != Delete && len(s.Value) > MaxString }

// Strings is the step's TXT value as the quoted 255-byte strings a form that
// asks for them wants.
func (s Step) Strings() []string {
	var out []string
	for _, part := range rrset.SplitTXT(s.Value) {
		out = append(out, rrset.QuoteTXT(part))
	}
	return out
}

// Steps turns a zone's changes into steps, in the order apply would write
// them (new records before old ones go, so mail never loses a record).
func Steps(z *plan.Zone) []Step {
	var out []Step
	for _, c := range z.Ordered() {
		e := c.Edit
		k := e.Key()
		base := Step{Domain: c.Domain, Field: c.Field, Type: k.Type, Name: k.Name, Host: rrset.Relative(k.Name, z.Zone)}
		var added, removed, kept []string
		for _, v := range e.New.Values {
			if slices.Contains(e.Old.Values, v) {
				kept = append(kept, v)
			} else {
				added = append(added, v)
			}
		}
		for _, v := range e.Old.Values {
			if !slices.Contains(e.New.Values, v) {
				removed = append(removed, v)
			}
		}
		others := 0
		if c.SharedTTL {
			others = len(e.Keep.Values)
		}
		if len(added) == 1 && len(removed) == 1 {
			s := base
			s.Action, s.TTL, s.Value, s.From, s.OthersTTL = Change, e.New.TTL, added[0], removed[0], others
			out = append(out, s)
			others = 0
			added, removed = nil, nil
		}
		for _, v := range added {
			s := base
			s.Action, s.TTL, s.Value, s.OthersTTL = Add, e.New.TTL, v, others
			others = 0
			out = append(out, s)
		}
		if e.Old.TTL != e.New.TTL && !e.New.Empty() {
			for _, v := range kept {
				s := base
				s.Action, s.TTL, s.Value, s.From, s.FromTTL, s.OthersTTL = Change, e.New.TTL, v, v, e.Old.TTL, others
				others = 0
				out = append(out, s)
			}
		}
		for _, v := range removed {
			s := base
			s.Action, s.TTL, s.Value = Delete, e.Old.TTL, v
			out = append(out, s)
		}
	}
	return out
}
