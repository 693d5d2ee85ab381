package verify

import "fmt"

// ZoneDoc is one zone of a verification in the documented JSON shape of
// `verify --format json` and `apply --format json` (docs/json.md).
type ZoneDoc struct {
	Zone        string   `json:"zone"`
	Verified    bool     `json:"verified"`
	Error       string   `json:"error,omitempty"`
	Nameservers []RowDoc `json:"nameservers"`
	Delegation  string   `json:"delegation,omitempty"`
	Records     []string `json:"records"`
}

// RowDoc is one nameserver address and what it served for each record.
type RowDoc struct {
	Nameserver string    `json:"nameserver"`
	Address    string    `json:"address,omitempty"`
	Cells      []CellDoc `json:"records"`
}

// CellDoc is what one address served for one record.
type CellDoc struct {
	Field  string `json:"field"`
	State  string `json:"state"`
	Served string `json:"served,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Doc is the zone's verification as a ZoneDoc: res may be nil when the
// check could not run (err says why); delegation, when not nil, is the
// delegation report.
func Doc(zone string, res *Result, err error, delegation fmt.Stringer) ZoneDoc {
	z := ZoneDoc{Zone: zone, Nameservers: []RowDoc{}, Records: []string{}}
	if err != nil {
		z.Error = err.Error()
	}
	if delegation != nil {
		z.Delegation = delegation.String()
	}
	if res == nil {
		return z
	}
	z.Verified = res.Verified && err == nil
	for _, rec := range res.Records {
		z.Records = append(z.Records, rec.Field)
	}
	for _, row := range res.Rows {
		jr := RowDoc{Nameserver: row.Nameserver, Address: row.Addr, Cells: []CellDoc{}}
		for i, c := range row.Cells {
			f := ""
			if i < len(res.Records) {
				f = res.Records[i].Field
			}
			state := string(c.State)
			if state == "" {
				state = "pending"
			}
			jr.Cells = append(jr.Cells, CellDoc{Field: f, State: state, Served: c.Served, Error: c.Err})
		}
		z.Nameservers = append(z.Nameservers, jr)
	}
	return z
}
