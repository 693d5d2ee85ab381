// Package rotate decides and makes DKIM key rotations: which selectors a
// domain's dkim_policy asks for at a given time (a pure decision), and
// adding a selector with a new key to mailzone.yaml in place, the key files
// first and removed again if the edited configuration does not load.
package rotate

import (
	"fmt"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/schema"
)

// NewestAlgorithm is the algorithm of the domain's newest key: the last key
// selector in the file, where rotate and onboard add them. A domain that
// signs with Ed25519 keeps Ed25519 when it rotates; RSA when it has none.
func NewestAlgorithm(d *schema.Domain) string {
	alg := "rsa"
	for _, s := range d.DKIM {
		if s.Kind == schema.KeySelector && s.Algorithm != "" {
			alg = s.Algorithm
		}
	}
	return alg
}

// Key is a selector to add with a new key of an algorithm.
type Key struct {
	Selector, Algorithm string
}

// Due decides what the domain's dkim_policy asks for at now: the selectors
// to add (named by the policy's pattern; one of each algorithm for "both"),
// or, when none is due, why not. A domain without a policy gets neither.
func Due(d *schema.Domain, now time.Time) (add []Key, why string) {
	p := d.DKIMPolicy
	if d.Parked || p.RotateEvery <= 0 {
		return nil, ""
	}
	var newest *schema.Selector
	for i := range d.DKIM {
		s := &d.DKIM[i]
		if s.Kind == schema.KeySelector && (newest == nil || !s.Created.Before(newest.Created)) {
			newest = s
		}
	}
	switch {
	case newest == nil:
	case newest.Created.IsZero():
		return nil, fmt.Sprintf("the age of key %s is unknown (no created date); add created: YYYY-MM-DD to rotate it on schedule", newest.Name)
	case now.Before(newest.Created.Add(p.RotateEvery)):
		return nil, fmt.Sprintf("key %s is not due until %s", newest.Name, newest.Created.Add(p.RotateEvery).Format("2006-01-02"))
	}
	alg := p.Algorithm
	if alg == "" {
		alg = "rsa"
		if newest != nil {
			alg = newest.Algorithm
		}
	}
	base := p.SelectorName(now)
	if alg == "both" {
		return []Key{{base + "-rsa", "rsa"}, {base + "-ed25519", "ed25519"}}, ""
	}
	return []Key{{base, alg}}, ""
}

// Editor adds keys to one configuration file.
type Editor struct {
	// KeyDir is where private keys go (see keyfile.Dir).
	KeyDir string
	// Now dates the new selector (created:).
	Now time.Time
	// LookupEnv expands ${VAR} while the edit is checked.
	LookupEnv func(string) (string, bool)
	// Write writes the edited configuration (keeping secrets out of it).
	Write func(path string, data []byte) error
}

// AddKey makes a new key for a selector of a domain (bits 0: 2048 for RSA),
// writes it to the key directory, and adds the selector with its created
// date to the configuration, in place. The edit is checked to load with
// every other domain unchanged; on any failure nothing stays written.
func (e Editor) AddKey(cfg *schema.Config, domain string, k Key, bits int) (*keyfile.File, []byte, error) {
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return nil, nil, err
	}
	if err := keyfile.Absent(cfg.Dir, e.KeyDir, domain, k.Selector); err != nil {
		return nil, nil, err
	}
	key, err := keyfile.NewBits(k.Algorithm, bits)
	if err != nil {
		return nil, nil, err
	}
	kf, err := keyfile.Write(cfg.Dir, e.KeyDir, domain, k.Selector, key)
	if err != nil {
		return nil, nil, err
	}
	data, err := edit.AddSelector(domain, k.Selector, "{key_file: "+configedit.Scalar(kf.Ref)+", created: "+e.Now.Format("2006-01-02")+"}")
	if err == nil {
		_, err = configedit.Check(cfg, cfg.File, data, e.LookupEnv, domain)
	}
	if err == nil {
		err = e.Write(cfg.File, data)
	}
	if err != nil {
		kf.Remove()
		return nil, nil, err
	}
	return kf, key, nil
}

// Overdue warns of each key older than its domain's dkim_policy
// rotate_every, at the key's position in the configuration.
func Overdue(ds []*schema.Domain, now time.Time) schema.Diagnostics {
	var out schema.Diagnostics
	for _, d := range ds {
		every := d.DKIMPolicy.RotateEvery
		if every <= 0 {
			continue
		}
		for _, s := range d.DKIM {
			if s.Kind != schema.KeySelector || s.Created.IsZero() || now.Before(s.Created.Add(every)) {
				continue
			}
			out = append(out, schema.Diagnostic{Pos: s.Pos, Field: "domains." + d.Name + ".dkim." + s.Name, Severity: schema.Warning,
				Msg: fmt.Sprintf("key created %s is older than rotate_every (%d days); mailzone dkim rotate --due adds its successor", s.Created.Format("2006-01-02"), int(every.Hours()/24))})
		}
	}
	return out
}

// Retire marks the selector of domain revoked in the configuration, in
// place ({revoked: true}), and writes the file with e.Write once the edit is
// checked to load with every other domain unchanged. The caller decides
// first that another selector is ready (keystatus.Retirable).
func (e Editor) Retire(cfg *schema.Config, domain, selector string) error {
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return err
	}
	data, err := edit.ReplaceSelector(domain, selector, "{revoked: true}")
	if err != nil {
		return err
	}
	if _, err := configedit.Check(cfg, cfg.File, data, e.LookupEnv, domain); err != nil {
		return err
	}
	return e.Write(cfg.File, data)
}

// CanAdd checks that selector may be added to the domain: the domain
// publishes DKIM (it is not parked) and does not declare the selector yet.
// It returns the domain's key selectors, which the new one succeeds.
func CanAdd(d *schema.Domain, selector string) (old []string, err error) {
	if d.Parked {
		return nil, fmt.Errorf("domain %s is parked (mail: none) and publishes no DKIM keys", d.Name)
	}
	for _, s := range d.DKIM {
		if s.Name == selector {
			return nil, fmt.Errorf("domain %s already declares selector %s; choose a new one", d.Name, selector)
		}
		if s.Kind == schema.KeySelector {
			old = append(old, s.Name)
		}
	}
	return old, nil
}
