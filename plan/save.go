package plan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Save writes the plan as indented JSON to path, atomically. The file holds
// records and fingerprints only: no provider settings. Error texts come from
// providers and may quote a setting, so scrub, when not nil, filters the
// bytes before they are written (the CLI removes every secret value).
func Save(p *Plan, path string, scrub func([]byte) []byte) error {
	data, err := JSON(p)
	if err != nil {
		return err
	}
	if scrub != nil {
		data = scrub(data)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mailzone-plan-*")
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save plan: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// Read loads a plan saved by [Save].
func Read(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read plan %s: not a mailzone plan: %w", path, err)
	}
	if p.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("read plan %s: format version %d is not supported (this mailzone writes %d); make the plan again", path, p.FormatVersion, FormatVersion)
	}
	for _, z := range p.Zones {
		for i, c := range z.Changes {
			if c.Action != c.Edit.Kind() {
				return nil, fmt.Errorf("read plan %s: zone %s change %d: action %q does not match its records", path, z.Zone, i+1, c.Action)
			}
		}
	}
	return &p, nil
}

// JSON renders the plan in its documented JSON shape (see README "Plan JSON").
func JSON(p *Plan) ([]byte, error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("plan json: %w", err)
	}
	return append(data, '\n'), nil
}
