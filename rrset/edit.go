package rrset

// Kind says what an edit does to the records mailzone owns at one name and type.
type Kind string

// The kinds of edit.
const (
	Create Kind = "create"
	Update Kind = "update"
	Delete Kind = "delete"
)

// Edit is one write to one name and type: the records mailzone owns there, Old,
// become New. Keep holds the records at the same name and type that mailzone does
// not own (a verification TXT beside the SPF record); a provider must leave them
// exactly as they are, and providers whose API replaces whole RRsets write them back
// unchanged. Old, New and Keep share Name and Type; an empty Old means create, an
// empty New means delete.
type Edit struct {
	Old  RRset `json:"old"`
	New  RRset `json:"new"`
	Keep RRset `json:"keep"`
}

// Key returns the name and type the edit writes.
func (e Edit) Key() Key {
	if e.New.Name != "" {
		return e.New.Key()
	}
	return e.Old.Key()
}

// Kind classifies the edit.
func (e Edit) Kind() Kind {
	switch {
	case e.Old.Empty():
		return Create
	case e.New.Empty():
		return Delete
	default:
		return Update
	}
}

// Result is the whole RRset after the edit: Keep plus New. Providers whose API
// replaces RRsets (Route53, RFC 2136 set semantics) write this.
func (e Edit) Result() RRset {
	out := e.New
	if out.Name == "" {
		out.Name, out.Type = e.Old.Name, e.Old.Type
	}
	if !e.Keep.Empty() {
		if out.Empty() {
			out.TTL = e.Keep.TTL
		}
		out.Values = append(append([]string(nil), e.Keep.Values...), out.Values...)
		out = New(".", out.Name, out.Type, out.TTL, out.Values...)
	}
	return out
}
