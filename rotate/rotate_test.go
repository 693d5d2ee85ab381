package rotate

import (
	"reflect"
	"testing"
	"time"

	"github.com/mailzone/mailzone/schema"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestDue decides rotations the way an MSP's nightly job meets them: keys
// within and past their age, a key with no created date, Ed25519 kept,
// "both", a custom selector pattern, and domains the policy does not cover.
func TestDue(t *testing.T) {
	now := day("2026-12-01")
	policy := schema.DKIMPolicy{RotateEvery: 180 * 24 * time.Hour}
	key := func(name, alg, created string) schema.Selector {
		s := schema.Selector{Name: name, Kind: schema.KeySelector, Algorithm: alg}
		if created != "" {
			s.Created = day(created)
		}
		return s
	}
	for _, c := range []struct {
		name string
		d    schema.Domain
		add  []Key
		why  string
	}{
		{"young key", schema.Domain{DKIMPolicy: policy, DKIM: []schema.Selector{key("mz202609", "rsa", "2026-09-01")}},
			nil, "key mz202609 is not due until 2027-02-28"},
		{"old key", schema.Domain{DKIMPolicy: policy, DKIM: []schema.Selector{key("mz202601", "rsa", "2026-01-05"), {Name: "selector1", Kind: schema.CNAMESelector}}},
			[]Key{{"mz202612", "rsa"}}, ""},
		{"the newest key decides", schema.Domain{DKIMPolicy: policy, DKIM: []schema.Selector{key("mz202601", "rsa", "2026-01-05"), key("mz202610", "rsa", "2026-10-01")}},
			nil, "key mz202610 is not due until 2027-03-30"},
		{"no created date", schema.Domain{DKIMPolicy: policy, DKIM: []schema.Selector{key("s1", "rsa", "")}},
			nil, "the age of key s1 is unknown (no created date); add created: YYYY-MM-DD to rotate it on schedule"},
		{"Ed25519 stays Ed25519", schema.Domain{DKIMPolicy: policy, DKIM: []schema.Selector{key("mz202601", "ed25519", "2026-01-05")}},
			[]Key{{"mz202612", "ed25519"}}, ""},
		{"both, with a pattern", schema.Domain{DKIMPolicy: schema.DKIMPolicy{RotateEvery: policy.RotateEvery, Algorithm: "both", Selector: "k{yyyy}{mm}{dd}"}},
			[]Key{{"k20261201-rsa", "rsa"}, {"k20261201-ed25519", "ed25519"}}, ""},
		{"no policy", schema.Domain{DKIM: []schema.Selector{key("mz201901", "rsa", "2019-01-01")}}, nil, ""},
		{"parked", schema.Domain{Parked: true, DKIMPolicy: policy}, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			add, why := Due(&c.d, now)
			if !reflect.DeepEqual(add, c.add) || why != c.why {
				t.Errorf("Due = %v, %q; want %v, %q", add, why, c.add, c.why)
			}
		})
	}
}
