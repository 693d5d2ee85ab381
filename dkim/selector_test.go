package dkim

import (
	"strings"
	"testing"
)

func TestValidSelector(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, in, want string
	}{
		{"simple", "default", ""},
		{"RFC 6376 example", "brisbane", ""},
		{"dated", "s20261124", ""},
		{"several labels", "2026.q4.mail", ""},
		{"hyphen inside", "google-2048", ""},
		{"upper case", "Selector1", ""},
		{"63 bytes", strings.Repeat("a", 63), ""},
		{"empty", "", "selector is empty"},
		{"underscore", "a_b", `selector "a_b": label "a_b" may hold only letters, digits and hyphens`},
		{"space", "my key", `selector "my key": label "my key" may hold only letters, digits and hyphens`},
		{"non-ASCII", "clé", `selector "clé": label "clé" may hold only letters, digits and hyphens`},
		{"leading hyphen", "-a", `selector "-a": label "-a" may not start or end with a hyphen`},
		{"trailing hyphen in second label", "a.b-", `selector "a.b-": label "b-" may not start or end with a hyphen`},
		{"empty label", "a..b", `selector "a..b" has an empty label; labels are separated by single dots`},
		{"trailing dot", "a.", `selector "a." has an empty label; labels are separated by single dots`},
		{"label too long", long, `selector "` + long + `": label "` + long + `" is 64 bytes; the limit is 63`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidSelector(tt.in)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("ValidSelector(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
