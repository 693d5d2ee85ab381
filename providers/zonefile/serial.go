package zonefile

import (
	"strconv"
	"time"
)

// nextSerial returns the SOA serial to write after old. A serial in the common
// date form YYYYMMDDnn becomes today's date with nn = 00, or old+1 when that is
// not greater (a second change on the same day, or a serial already in the
// future). Any other serial is a counter and becomes old+1, wrapping past
// 4294967295 to 0 as RFC 1982 serial arithmetic allows.
func nextSerial(old uint32, now time.Time) uint32 {
	if isDateSerial(old) {
		day, _ := strconv.ParseUint(now.UTC().Format("20060102"), 10, 32)
		if next := uint64(day) * 100; next > uint64(old) && next <= 1<<32-1 {
			return uint32(next)
		}
	}
	return old + 1
}

// isDateSerial reports whether s reads as YYYYMMDDnn with a real calendar date
// in a plausible range of years.
func isDateSerial(s uint32) bool {
	str := strconv.FormatUint(uint64(s), 10)
	if len(str) != 10 {
		return false
	}
	d, err := time.Parse("20060102", str[:8])
	return err == nil && d.Year() >= 1980 && d.Year() <= 2199
}
