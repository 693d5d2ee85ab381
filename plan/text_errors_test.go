package plan

import (
	"bytes"
	"strings"
	"testing"
)

// TestNoChangesWithUnreadZones: a plan whose only zone could not be read has no
// changes, but must not claim that the zones match the configuration.
func TestNoChangesWithUnreadZones(t *testing.T) {
	var b bytes.Buffer
	Text(&b, &Plan{Zones: []*Zone{{Zone: "a.example", Provider: "p", Error: "zones/a.example.zone:6: bad MX Pref"}}}, TextOptions{})
	out := b.String()
	if strings.Contains(out, "The zones match") || !strings.HasSuffix(out, "No changes in the zones that were read.\n") {
		t.Errorf("got %q", out)
	}
}
