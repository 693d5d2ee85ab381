//go:build !unix

package zonefile

import "os"

// readFile reads a zone file.
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
