//go:build !unix

package zonefile

import "os"

// readZoneText reads a zone file.
func readZoneText(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
