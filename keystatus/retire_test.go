package keystatus

import (
	"strings"
	"testing"
)

func TestRetirable(t *testing.T) {
	st := func(sel, state string) Status { return Status{Domain: "contoso.com", Selector: sel, State: state} }
	for _, tt := range []struct {
		name    string
		sts     []Status
		ready   string
		why     string
		revoked bool
	}{
		{"another is ready", []Status{st("mz202606", "ready"), st("mz202612", "ready")}, "mz202612", "", false},
		{"the new key still propagating", []Status{st("mz202606", "ready"), st("mz202612", "propagating")}, "", "mz202612 is propagating", false},
		{"the only key", []Status{st("mz202606", "ready")}, "", "it has no other selector", false},
		{"already revoked", []Status{st("mz202606", "revoked"), st("mz202612", "ready")}, "", "", true},
		{"M365 CNAMEs ready", []Status{st("mz202606", "ready"), st("selector1", "ready"), st("selector2", "pending")}, "selector1", "", false},
	} {
		ready, why, revoked := Retirable(tt.sts, "mz202606")
		if strings.Join(ready, ",") != tt.ready || why != tt.why || revoked != tt.revoked {
			t.Errorf("%s: got %v %q %v", tt.name, ready, why, revoked)
		}
	}
}
