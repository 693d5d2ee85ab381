package apply

import (
	"github.com/mailzone/mailzone/plan"
	"github.com/mailzone/mailzone/verify"
)

// Doc is the documented JSON shape of `apply --format json` (docs/json.md).
type Doc struct {
	FormatVersion int              `json:"format_version"`
	ExitCode      int              `json:"exit_code"`
	Zones         []ZoneDoc        `json:"zones"`
	Excluded      any              `json:"excluded"`
	Verify        []verify.ZoneDoc `json:"verify"`
	Interrupted   bool             `json:"interrupted"`
}

// NewDoc is an empty Doc of format version v.
func NewDoc(v int) *Doc {
	return &Doc{FormatVersion: v, Zones: []ZoneDoc{}, Excluded: []any{}, Verify: []verify.ZoneDoc{}}
}

// ZoneDoc is what apply did with one zone.
type ZoneDoc struct {
	Zone       string `json:"zone"`
	Provider   string `json:"provider"`
	Changes    int    `json:"changes"`
	Written    int    `json:"written"`
	NotStarted bool   `json:"not_started,omitempty"`
	Manual     bool   `json:"manual,omitempty"`
	InEffect   bool   `json:"in_effect,omitempty"`
	Error      string `json:"error,omitempty"`
}

// InEffect records a zone that already held what the plan asks for.
func (d *Doc) InEffect(z *plan.Zone) {
	d.Zones = append(d.Zones, ZoneDoc{Zone: z.Zone, Provider: z.Provider, Changes: len(z.Changes), InEffect: true})
}

// Manual records a zone left to its DNS admin (manual provider).
func (d *Doc) Manual(z *plan.Zone) {
	d.Zones = append(d.Zones, ZoneDoc{Zone: z.Zone, Provider: z.Provider, Changes: len(z.Changes), Manual: true})
}

// Wrote records the write of zone z: res is its Result, with no Zone when
// the write never started.
func (d *Doc) Wrote(z *plan.Zone, res Result) {
	zd := ZoneDoc{Zone: z.Zone, Provider: z.Provider, Changes: len(z.Changes), Written: len(res.Written), NotStarted: res.Zone == nil}
	if res.Err != nil {
		zd.Error = res.Err.Error()
	}
	d.Zones = append(d.Zones, zd)
}
