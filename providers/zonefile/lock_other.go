//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package zonefile

import "context"

// lockFile is a no-op where flock(2) is not available: applies are serialized
// within one process only.
func lockFile(ctx context.Context, path string) (func(), error) {
	return func() {}, nil
}
