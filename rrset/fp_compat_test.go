package rrset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// fingerprintV1 is Fingerprint as format_version 1 defined it, with fmt:
// saved plans carry these, so the faster Fingerprint must give the same.
func fingerprintV1(sets ...RRset) string {
	lines := make([]string, 0, len(sets))
	for _, s := range sets {
		line := fmt.Sprintf("%s %s %d %q", s.Name, s.Type, s.TTL, s.Values)
		if s.ValueTTLs != nil {
			ttls := make([]uint32, len(s.Values))
			for i, v := range s.Values {
				ttls[i] = s.ValueTTLs[v]
			}
			line += fmt.Sprint(ttls)
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:12])
}

func TestFingerprintSameBytes(t *testing.T) {
	for _, s := range []RRset{
		{Name: "a.example.", Type: "TXT", TTL: 3600, Values: []string{"v=spf1 -all", "x\"y\\z\x01é\u2028"}},
		{Name: "a.example.", Type: "MX", TTL: 0},
		{Name: "a.example.", Type: "TXT", TTL: 1, Values: []string{"a", "b"}, ValueTTLs: map[string]uint32{"a": 300, "b": 1}},
		{Name: "a.example.", Type: "TXT", TTL: 1, Values: []string{}},
	} {
		if a, b := Fingerprint(s), fingerprintV1(s); a != b {
			t.Errorf("%v: %s != %s", s, a, b)
		}
	}
}
