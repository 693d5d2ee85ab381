// Package onboard adds a new customer domain to mailzone.yaml with a profile
// and fresh DKIM keys. Every check runs before anything is written: the
// domain is new, the profile and provider exist, the edited file loads with
// every other domain resolving exactly as before, and the zone exists at the
// provider (or, with CreateZone, can be created). Only then are the zone, the
// key files and the configuration written, in that order, and undone in
// reverse if a later write fails: a failed onboarding leaves no trace.
package onboard

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/keyfile"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
)

// Request is one domain to onboard: from the command line, or one row of a
// CSV file.
type Request struct {
	// Row is the CSV line, 0 on the command line.
	Row                                 int
	Domain, Profile, Provider, Selector string
}

// Options are the settings every request of one run shares.
type Options struct {
	// Config is the configuration file to edit.
	Config string
	// Algorithm is rsa, ed25519, or both (one selector of each).
	Algorithm string
	// KeyDir is where private keys go, relative to the configuration's
	// directory unless absolute.
	KeyDir string
	// CreateZone creates a missing zone at a provider that can (zone files).
	CreateZone bool
	// NewZone is the content of a created zone; defaults.new_zone fills gaps.
	NewZone providers.NewZone
	// Now dates the keys (created:) and names the default selector.
	Now time.Time
	// LookupEnv expands ${VAR} while checking the edited configuration.
	LookupEnv func(string) (string, bool)
	// Secrets, when set, collects the providers' secret values, which
	// WriteConfig must keep out of the file.
	Secrets *[]string
	// WriteConfig writes the edited configuration.
	WriteConfig func(path string, data []byte) error
}

// Result is what one onboarding wrote.
type Result struct {
	// Config is the configuration after the edit; Domain the new domain in it.
	Config *schema.Config
	Domain *schema.Domain
	// Key is the first new key; More the others (Algorithm both).
	Key  *keyfile.File
	More []*keyfile.File
	// Summary describes the keys ("RSA 2048-bit and Ed25519"); Selector
	// names their selectors.
	Summary, Selector string
	// Created is set when the zone was created.
	Created bool
}

// One onboards one domain: it checks everything, and only then writes
// the zone (with --create-zone), the key files and the configuration, in that
// order, undoing what it wrote if a later write fails.
func One(o Options, req Request) (*Result, error) {
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(req.Domain), "."))
	if err := dnsname.Host(domain); err != nil {
		return nil, fmt.Errorf("domain %q %v; nothing was changed", escape.Short(req.Domain), err)
	}
	sel := strings.ToLower(req.Selector)
	if sel == "" {
		sel = keyfile.DefaultSelector(o.Now)
	}
	if err := dkim.ValidSelector(sel); err != nil {
		return nil, fmt.Errorf("dkim selector: %v; nothing was changed", err)
	}
	cfg, err := schema.Load(o.Config)
	if err != nil {
		return nil, err
	}
	if o.Secrets != nil {
		for _, p := range cfg.Providers {
			*o.Secrets = append(*o.Secrets, p.Secrets()...)
		}
	}
	if cfg.Domain(domain) != nil {
		return nil, fmt.Errorf("domain %s is already in %s; nothing was changed (to add a DKIM key, use mailzone dkim rotate)", domain, cfg.File)
	}
	if req.Provider == "" && cfg.Defaults.Provider == "" {
		return nil, fmt.Errorf("no provider for %s: %s has no defaults.provider; give one (declared: %s); nothing was changed", domain, cfg.File, cfg.DeclaredProviders())
	}
	if req.Provider != "" && cfg.Provider(req.Provider) == nil {
		return nil, fmt.Errorf("provider %q is not declared in %s (declared: %s); nothing was changed", escape.Short(req.Provider), cfg.File, cfg.DeclaredProviders())
	}
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return nil, err
	}
	if _, v := configedit.LookupKey(edit.Root, "profiles"); v == nil || func() bool { k, _ := configedit.LookupKey(v, req.Profile); return k == nil }() {
		return nil, fmt.Errorf("profile %q is not declared in %s; nothing was changed", escape.Short(req.Profile), cfg.File)
	}
	// One key, or with --dkim-algorithm both one RSA and one Ed25519
	// selector (RFC 8463: many receivers verify only RSA).
	type newSel struct {
		name, alg string
		key       []byte
		k         *keyfile.File
	}
	sels := []*newSel{{name: sel, alg: o.Algorithm}}
	if o.Algorithm == "both" {
		sels = []*newSel{{name: sel + "-rsa", alg: "rsa"}, {name: sel + "-ed25519", alg: "ed25519"}}
	}
	for _, ns := range sels {
		if err := dkim.ValidSelector(ns.name); err != nil {
			return nil, fmt.Errorf("dkim selector: %v; nothing was changed", err)
		}
		if ns.key, err = keyfile.New(ns.alg); err != nil {
			return nil, err
		}
		if err := keyfile.Absent(cfg.Dir, o.KeyDir, domain, ns.name); err != nil {
			return nil, err
		}
	}
	fields := func(value func(*newSel) string) []string {
		var f []string
		if req.Provider != "" {
			f = append(f, "provider: "+configedit.Scalar(req.Provider))
		}
		f = append(f, "profile: "+configedit.Scalar(req.Profile), "dkim:")
		for _, ns := range sels {
			f = append(f, strings.Repeat(" ", edit.ChildIndent())+configedit.Scalar(ns.name)+": "+value(ns))
		}
		return f
	}
	// The edit is checked with the public keys inline, before any key file
	// exists; the file written later names the same keys through key_file.
	probe, err := edit.AddDomain(domain, fields(func(ns *newSel) string {
		pub, _ := keyfile.PublicPEM(ns.key)
		block, _ := pem.Decode(pub)
		return "{public_key: " + configedit.Scalar(base64.StdEncoding.EncodeToString(block.Bytes)) + "}"
	}))
	if err != nil {
		return nil, err
	}
	after, err := configedit.Check(cfg, cfg.File, probe, o.LookupEnv, domain)
	if err != nil {
		return nil, err
	}
	d := after.Domain(domain)
	create, err := checkZone(after, d, o)
	if err != nil {
		return nil, err
	}
	// Everything is checked; write.
	var summaries, names []string
	for _, ns := range sels {
		summaries = append(summaries, keyfile.Summary(ns.key))
		names = append(names, ns.name)
	}
	res := &Result{Config: after, Domain: d, Summary: strings.Join(summaries, " and "), Selector: strings.Join(names, " and ")}
	undoZone := func() error { return nil }
	if create != nil {
		if undoZone, err = create(); err != nil {
			return nil, fmt.Errorf("creating zone %s: %w; nothing was changed", d.Zone, err)
		}
		res.Created = true
	}
	undoKeys := func() {
		for _, ns := range sels {
			if ns.k != nil {
				ns.k.Remove()
			}
		}
	}
	for _, ns := range sels {
		if ns.k, err = keyfile.Write(cfg.Dir, o.KeyDir, domain, ns.name, ns.key); err != nil {
			undoKeys()
			undoZone()
			return nil, fmt.Errorf("%v; nothing was changed", err)
		}
	}
	res.Key = sels[0].k
	for _, ns := range sels[1:] {
		res.More = append(res.More, ns.k)
	}
	data, err := edit.AddDomain(domain, fields(func(ns *newSel) string {
		return "{key_file: " + configedit.Scalar(ns.k.Ref) + ", created: " + o.Now.Format("2006-01-02") + "}"
	}))
	if err == nil {
		res.Config, err = configedit.Check(cfg, cfg.File, data, o.LookupEnv, domain)
	}
	if err == nil {
		err = o.WriteConfig(cfg.File, data)
	}
	if err != nil {
		undoKeys()
		undoZone()
		return nil, err
	}
	res.Domain = res.Config.Domain(domain)
	return res, nil
}

// checkZone reads the domain's zone at its provider, so onboard never adds a
// domain whose zone does not exist. With --create-zone, a missing zone of a
// provider that can create zones is returned as a creation to run later.
func checkZone(cfg *schema.Config, d *schema.Domain, o Options) (create func() (func() error, error), err error) {
	pc := cfg.Provider(d.Provider)
	if len(pc.Unset) > 0 {
		return nil, fmt.Errorf("provider %s: %s; nothing was changed", pc.Name, pc.Unset[0].Msg)
	}
	p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir})
	if err != nil {
		return nil, fmt.Errorf("%v; nothing was changed", err)
	}
	if providers.IsManual(p) {
		if o.CreateZone {
			return nil, fmt.Errorf("--create-zone: provider %s is manual: the zone lives at the customer's own DNS host, which mailzone does not write; nothing was changed", pc.Name)
		}
		// Nothing to check: the zone lives at the customer's DNS host, and
		// the instructions onboard prints are how its records get there.
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = p.Records(ctx, d.Zone)
	if err == nil {
		if o.CreateZone {
			return nil, nil // it exists: nothing to create
		}
		return nil, nil
	}
	creator, canCreate := p.(providers.ZoneCreator)
	switch {
	case errors.Is(err, providers.ErrNoZone) && o.CreateZone && canCreate:
		nz := o.NewZone
		if len(nz.Nameservers) == 0 {
			nz.Nameservers = cfg.Defaults.NewZone.Nameservers
		}
		if nz.Hostmaster == "" {
			nz.Hostmaster = cfg.Defaults.NewZone.Hostmaster
		}
		nz.TTL = d.TTL
		if len(nz.Nameservers) == 0 || nz.Hostmaster == "" {
			return nil, fmt.Errorf("zone %s does not exist and --create-zone needs its nameservers and SOA contact: pass --ns NAME (repeatable) and --hostmaster NAME, or set defaults.new_zone: {nameservers: [...], hostmaster: ...}; nothing was changed", d.Zone)
		}
		return func() (func() error, error) { return creator.CreateZone(context.Background(), d.Zone, nz) }, nil
	case errors.Is(err, providers.ErrNoZone) && canCreate:
		return nil, fmt.Errorf("zone %s: %v. Create it first, or pass --create-zone (with --ns and --hostmaster, or defaults.new_zone) to write a minimal one; nothing was changed", d.Zone, err)
	}
	return nil, fmt.Errorf("zone %s at provider %s could not be read: %v. Add the zone at the provider (and give mailzone's credentials access to it), then run onboard again; nothing was changed", d.Zone, pc.Name, err)
}
