package fleet

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// ParseFraction parses "K/N" with 1 <= K <= N.
func ParseFraction(s, what string) (k, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("--%s must be K/N with 1 <= K <= N, such as 1/4, not %q", what, s)
	}
	return k, n, nil
}

// InShard filters targets to shard K of N, given as "K/N" (empty: all). A
// zone's shard depends only on its name and N (jump consistent hashing), so
// adding or removing a zone moves no other zone, and growing N from 4 to 5
// moves only a fifth of them.
func InShard(ts []*Target, spec string) ([]*Target, error) {
	if spec == "" {
		return ts, nil
	}
	k, n, err := ParseFraction(spec, "shard")
	if err != nil {
		return nil, err
	}
	var out []*Target
	for _, t := range ts {
		if ShardOf(t.Zone, n) == k-1 {
			out = append(out, t)
		}
	}
	return out, nil
}

// ShardOf is jump consistent hash (Lamping and Veach, 2014) of the zone name
// into n buckets.
func ShardOf(zone string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(zone))
	key := h.Sum64()
	var b, j int64 = -1, 0
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64((key>>33)+1)))
	}
	return int(b)
}
