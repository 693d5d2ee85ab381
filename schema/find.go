package schema

import (
	"os"
	"path/filepath"
)

// FileName is the configuration's name where mailzone looks for it.
const FileName = "mailzone.yaml"

// Find returns the configuration to load when the command line names none:
// the MAILZONE_CONFIG environment variable (getenv), else mailzone.yaml in
// the working directory or the nearest parent that has one, as git finds its
// repository (relative to the working directory). how says where it came
// from, for a note to the user: "MAILZONE_CONFIG", "parent", or "" for
// ./mailzone.yaml and for nothing found (then loading names ./mailzone.yaml
// as missing).
func Find(getenv func(string) string) (path, how string) {
	if env := getenv("MAILZONE_CONFIG"); env != "" {
		return env, "MAILZONE_CONFIG"
	}
	wd, err := os.Getwd()
	if err != nil {
		return FileName, ""
	}
	for dir := wd; ; {
		if st, err := os.Stat(filepath.Join(dir, FileName)); err == nil && st.Mode().IsRegular() {
			if dir == wd {
				return FileName, ""
			}
			p := filepath.Join(dir, FileName)
			if rel, err := filepath.Rel(wd, p); err == nil {
				p = rel
			}
			return p, "parent"
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return FileName, ""
		}
		dir = parent
	}
}
