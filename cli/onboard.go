package cli

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailzone/mailzone/configedit"
	"github.com/mailzone/mailzone/keyfile"

	"github.com/mailzone/mailzone/dkim"
	"github.com/mailzone/mailzone/dnsname"
	"github.com/mailzone/mailzone/escape"
	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/schema"
	"github.com/mailzone/mailzone/verify"
)

// delegationTimeout bounds onboard's delegation check; onboarding never waits
// long on DNS.
const delegationTimeout = 10 * time.Second

// onboardReq is one domain to onboard: from the command line, or one row of
// --from FILE.csv.
type onboardReq struct {
	row                                 int // CSV row, 0 on the command line
	domain, profile, provider, selector string
}

// onboardOpts are the settings every row of one onboard run shares.
type onboardOpts struct {
	keys       keyFlags
	createZone bool
	newZone    providers.NewZone // from flags; defaults.new_zone fills gaps
}

// onboarded is what one successful onboarding wrote.
type onboarded struct {
	cfg      *schema.Config // the configuration after the edit
	domain   *schema.Domain
	key      *keyfile.File
	more     []*keyfile.File // further keys (--dkim-algorithm both)
	summary  string          // "RSA 2048-bit", "Ed25519"
	selector string
	created  bool // the zone was created
}

// onboard adds new customer domains to the configuration with a profile and
// a fresh DKIM key. Every check (the edited configuration loads, every other
// domain is unchanged, the zone exists at the provider) runs before anything
// is written; a failure leaves no trace.
func (r *run) onboard(args []string) int {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	var o onboardOpts
	o.keys.register(fs)
	provider := fs.String("provider", "", "the provider serving the domain's zone (default: defaults.provider)")
	profile := fs.String("profile", "", "the profile the domain follows (required without --from)")
	selector := fs.String("dkim-selector", "", "the DKIM selector (default mz<yyyymm>)")
	from := fs.String("from", "", "onboard every row of a CSV file with the columns domain, profile, provider, dkim_selector")
	fs.BoolVar(&o.createZone, "create-zone", false, "for zone files: create a missing zone file with an SOA and NS records (--ns, --hostmaster or defaults.new_zone)")
	var ns multi
	fs.Var(&ns, "ns", "a nameserver host name for a zone --create-zone makes (repeatable)")
	instrFile := fs.String("instructions", "", "for a manual provider: also write the DNS admin's instructions to this file, as markdown")
	hostmaster := fs.String("hostmaster", "", "the SOA contact for a zone --create-zone makes, such as hostmaster.example.net")
	pos, err := parse(fs, args)
	if err != nil {
		return r.usageError("onboard", err)
	}
	if o.keys.algorithm == "" {
		o.keys.algorithm = "rsa"
	}
	o.keys.config = r.configPath(o.keys.config)
	if o.keys.algorithm != "rsa" && o.keys.algorithm != "ed25519" && o.keys.algorithm != "both" {
		return r.usageError("onboard", fmt.Errorf("--dkim-algorithm must be rsa, ed25519 or both (one key of each), not %q", o.keys.algorithm))
	}
	for _, n := range ns {
		if err := dnsname.Host(n); err != nil {
			return r.usageError("onboard", fmt.Errorf("--ns %q %v", n, err))
		}
		o.newZone.Nameservers = append(o.newZone.Nameservers, strings.ToLower(strings.TrimSuffix(n, "."))+".")
	}
	if *hostmaster != "" {
		h := strings.Replace(*hostmaster, "@", ".", 1)
		if err := dnsname.Host(h); err != nil {
			return r.usageError("onboard", fmt.Errorf("--hostmaster %q %v", *hostmaster, err))
		}
		o.newZone.Hostmaster = strings.ToLower(strings.TrimSuffix(h, ".")) + "."
	}
	if *from != "" {
		if len(pos) != 0 {
			return r.usageError("onboard", fmt.Errorf("give domains either as an argument or with --from, not both"))
		}
		return r.onboardBulk(*from, o, onboardReq{profile: *profile, provider: *provider, selector: *selector})
	}
	if len(pos) != 1 {
		return r.usageError("onboard", fmt.Errorf("name one domain, or a CSV file with --from"))
	}
	if *profile == "" {
		return r.usageError("onboard", fmt.Errorf("--profile is required: the policy the domain follows"))
	}
	req := onboardReq{domain: pos[0], profile: *profile, provider: *provider, selector: *selector}
	res, err := r.onboardOne(o, req)
	if err != nil {
		var diags schema.Diagnostics
		if errors.As(err, &diags) {
			r.diagnostics(diags)
			err = fmt.Errorf("the configuration with %s does not load; nothing was changed", req.domain)
		}
		r.errorf("%v", err)
		return ExitError
	}
	d := res.domain
	if res.created {
		fmt.Fprintf(r.env.Stdout, "Created the zone %s at provider %s, with SOA and NS records only.\n", d.Zone, d.Provider)
	}
	fmt.Fprintf(r.env.Stdout, "Added %s to %s (provider %s, profile %s).\n", d.Name, res.cfg.File, d.Provider, req.profile)
	fmt.Fprintf(r.env.Stdout, "DKIM selector %s: a new %s key. The private key is in %s (mode 0600): give it to the signer and keep it out of git. The configuration names its public half, %s.\n", res.selector, res.summary, res.key.Path, res.key.Ref)
	for _, k := range res.more {
		fmt.Fprintf(r.env.Stdout, "Another private key is in %s; the configuration names %s.\n", k.Path, k.Ref)
	}
	r.delegation(res.cfg, d)
	fmt.Fprintln(r.env.Stdout)
	fmt.Fprintf(r.env.Stdout, "The checks that need DNS: mailzone lint -c %s -d %s\n\n", res.cfg.File, d.Name)
	if pc := res.cfg.Provider(d.Provider); pc != nil && pc.Type == "manual" {
		// The customer's DNS admin makes the changes: print what to ask
		// for. Nothing is written; apply reads the zone through DNS.
		args := []string{"-c", res.cfg.File, "-d", d.Name, "--offline", "--yes", "--no-wait"}
		if *instrFile != "" {
			args = append(args, "--instructions", *instrFile)
		}
		code := r.apply(args)
		if code == ExitOK {
			fmt.Fprintf(r.env.Stdout, "Once the DNS admin of %s has made the changes, mailzone verify -c %s -d %s says when every nameserver serves them; mailzone dkim ready says when to start signing.\n", d.Name, res.cfg.File, d.Name)
		}
		return code
	}
	return r.plan([]string{"-c", res.cfg.File, "-d", d.Name, "--offline"})
}

// onboardOne onboards one domain: it checks everything, and only then writes
// the zone (with --create-zone), the key files and the configuration, in that
// order, undoing what it wrote if a later write fails.
func (r *run) onboardOne(o onboardOpts, req onboardReq) (*onboarded, error) {
	domain := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(req.domain), "."))
	if err := dnsname.Host(domain); err != nil {
		return nil, fmt.Errorf("domain %q %v; nothing was changed", escape.Short(req.domain), err)
	}
	sel := strings.ToLower(req.selector)
	if sel == "" {
		sel = keyfile.DefaultSelector(time.Now())
	}
	if err := dkim.ValidSelector(sel); err != nil {
		return nil, fmt.Errorf("dkim selector: %v; nothing was changed", err)
	}
	cfg, err := schema.Load(o.keys.config)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Providers {
		*r.secrets = append(*r.secrets, p.Secrets()...)
	}
	if cfg.Domain(domain) != nil {
		return nil, fmt.Errorf("domain %s is already in %s; nothing was changed (to add a DKIM key, use mailzone dkim rotate)", domain, cfg.File)
	}
	if req.provider == "" && cfg.Defaults.Provider == "" {
		return nil, fmt.Errorf("no provider for %s: %s has no defaults.provider; give one (declared: %s); nothing was changed", domain, cfg.File, declaredProviders(cfg))
	}
	if req.provider != "" && cfg.Provider(req.provider) == nil {
		return nil, fmt.Errorf("provider %q is not declared in %s (declared: %s); nothing was changed", escape.Short(req.provider), cfg.File, declaredProviders(cfg))
	}
	edit, err := configedit.Read(cfg.File)
	if err != nil {
		return nil, err
	}
	if _, v := configedit.LookupKey(edit.Root, "profiles"); v == nil || func() bool { k, _ := configedit.LookupKey(v, req.profile); return k == nil }() {
		return nil, fmt.Errorf("profile %q is not declared in %s; nothing was changed", escape.Short(req.profile), cfg.File)
	}
	// One key, or with --dkim-algorithm both one RSA and one Ed25519
	// selector (RFC 8463: many receivers verify only RSA).
	type newSel struct {
		name, alg string
		key       []byte
		k         *keyfile.File
	}
	sels := []*newSel{{name: sel, alg: o.keys.algorithm}}
	if o.keys.algorithm == "both" {
		sels = []*newSel{{name: sel + "-rsa", alg: "rsa"}, {name: sel + "-ed25519", alg: "ed25519"}}
	}
	for _, ns := range sels {
		if err := dkim.ValidSelector(ns.name); err != nil {
			return nil, fmt.Errorf("dkim selector: %v; nothing was changed", err)
		}
		if ns.key, err = keyfile.New(ns.alg); err != nil {
			return nil, err
		}
		if err := keyfile.Absent(cfg.Dir, o.keys.keyDir, domain, ns.name); err != nil {
			return nil, err
		}
	}
	fields := func(value func(*newSel) string) []string {
		var f []string
		if req.provider != "" {
			f = append(f, "provider: "+configedit.Scalar(req.provider))
		}
		f = append(f, "profile: "+configedit.Scalar(req.profile), "dkim:")
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
	after, err := configedit.Check(cfg, cfg.File, probe, r.env.LookupEnv, domain)
	if err != nil {
		return nil, err
	}
	d := after.Domain(domain)
	create, err := r.checkZone(after, d, o)
	if err != nil {
		return nil, err
	}
	// Everything is checked; write.
	var summaries, names []string
	for _, ns := range sels {
		summaries = append(summaries, keyfile.Summary(ns.key))
		names = append(names, ns.name)
	}
	res := &onboarded{cfg: after, domain: d, summary: strings.Join(summaries, " and "), selector: strings.Join(names, " and ")}
	undoZone := func() error { return nil }
	if create != nil {
		if undoZone, err = create(); err != nil {
			return nil, fmt.Errorf("creating zone %s: %w; nothing was changed", d.Zone, err)
		}
		res.created = true
	}
	undoKeys := func() {
		for _, ns := range sels {
			if ns.k != nil {
				ns.k.Remove()
			}
		}
	}
	for _, ns := range sels {
		if ns.k, err = keyfile.Write(cfg.Dir, o.keys.keyDir, domain, ns.name, ns.key); err != nil {
			undoKeys()
			undoZone()
			return nil, fmt.Errorf("%v; nothing was changed", err)
		}
	}
	res.key = sels[0].k
	for _, ns := range sels[1:] {
		res.more = append(res.more, ns.k)
	}
	data, err := edit.AddDomain(domain, fields(func(ns *newSel) string {
		return "{key_file: " + configedit.Scalar(ns.k.Ref) + ", created: " + r.now().Format("2006-01-02") + "}"
	}))
	if err == nil {
		res.cfg, err = configedit.Check(cfg, cfg.File, data, r.env.LookupEnv, domain)
	}
	if err == nil {
		err = writeScrubbed(cfg.File, data, *r.secrets)
	}
	if err != nil {
		undoKeys()
		undoZone()
		return nil, err
	}
	res.domain = res.cfg.Domain(domain)
	return res, nil
}

// checkZone reads the domain's zone at its provider, so onboard never adds a
// domain whose zone does not exist. With --create-zone, a missing zone of a
// provider that can create zones is returned as a creation to run later.
func (r *run) checkZone(cfg *schema.Config, d *schema.Domain, o onboardOpts) (create func() (func() error, error), err error) {
	pc := cfg.Provider(d.Provider)
	if len(pc.Unset) > 0 {
		return nil, fmt.Errorf("provider %s: %s; nothing was changed", pc.Name, pc.Unset[0].Msg)
	}
	p, err := providers.Open(providers.Config{Name: pc.Name, Type: pc.Type, Settings: pc.SettingValues(), Dir: cfg.Dir})
	if err != nil {
		return nil, fmt.Errorf("%v; nothing was changed", err)
	}
	if providers.IsManual(p) {
		if o.createZone {
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
		if o.createZone {
			return nil, nil // it exists: nothing to create
		}
		return nil, nil
	}
	creator, canCreate := p.(providers.ZoneCreator)
	switch {
	case errors.Is(err, providers.ErrNoZone) && o.createZone && canCreate:
		nz := o.newZone
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

// onboardBulk onboards every row of a CSV file (header: domain, profile,
// provider, dkim_selector; only domain is required, the others default to
// the flags). Each row is all-or-nothing; every row is reported; the exit
// code is 1 when any row failed.
func (r *run) onboardBulk(path string, o onboardOpts, def onboardReq) int {
	reqs, err := readOnboardCSV(path, def)
	if err != nil {
		r.errorf("%v; nothing was changed", err)
		return ExitError
	}
	var ok, failed []string
	for _, req := range reqs {
		res, err := r.onboardOne(o, req)
		if err != nil {
			var diags schema.Diagnostics
			if errors.As(err, &diags) {
				var msgs []string
				for _, d := range diags.Errors() {
					msgs = append(msgs, d.String())
				}
				err = fmt.Errorf("the configuration with this domain does not load: %s", strings.Join(msgs, "; "))
			}
			fmt.Fprintf(r.env.Stdout, "%s:%d %s: not onboarded: %s\n", path, req.row, escape.Terminal(req.domain), escape.Terminal(err.Error()))
			failed = append(failed, req.domain)
			continue
		}
		extra := ""
		if res.created {
			extra = ", zone created"
		}
		fmt.Fprintf(r.env.Stdout, "%s:%d %s: onboarded (provider %s, profile %s, selector %s, %s key in %s%s)\n",
			path, req.row, res.domain.Name, res.domain.Provider, req.profile, res.selector, res.summary, res.key.Path, extra)
		ok = append(ok, res.domain.Name)
	}
	fmt.Fprintf(r.env.Stdout, "\n%d of %d rows onboarded, %d failed.\n", len(ok), len(reqs), len(failed))
	if len(ok) > 0 {
		fmt.Fprintf(r.env.Stdout, "Private keys are under %s (mode 0600): give them to the signers and keep them out of git.\nNext: mailzone plan -c %s\n", o.keys.keyDir, o.keys.config)
	}
	if len(failed) > 0 {
		r.errorf("%d row(s) of %s were not onboarded: %s", len(failed), path, strings.Join(failed, ", "))
		return ExitError
	}
	return ExitOK
}

// readOnboardCSV reads the rows of an onboarding CSV file. The header names
// the columns; lines starting with # are comments.
func readOnboardCSV(path string, def onboardReq) ([]onboardReq, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(io.LimitReader(f, 16<<20))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header row (domain,profile,provider,dkim_selector): %v", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "domain", "profile", "provider", "dkim_selector":
			col[h] = i
		default:
			return nil, fmt.Errorf("%s: unknown column %q (known: domain, profile, provider, dkim_selector)", path, escape.Short(h))
		}
	}
	if _, ok := col["domain"]; !ok {
		return nil, fmt.Errorf("%s: the header has no domain column", path)
	}
	var out []onboardReq
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c, dflt string) string {
			if i, ok := col[c]; ok && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
				return strings.TrimSpace(rec[i])
			}
			return dflt
		}
		req := onboardReq{row: line, domain: get("domain", ""), profile: get("profile", def.profile),
			provider: get("provider", def.provider), selector: get("dkim_selector", def.selector)}
		if req.domain == "" {
			continue
		}
		if req.profile == "" {
			return nil, fmt.Errorf("%s:%d: %s has no profile (give the column or --profile)", path, line, escape.Short(req.domain))
		}
		out = append(out, req)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return out, nil
}

// delegation reports how the domain's zone is delegated: a new customer domain
// is often published before the registrar points at the provider.
func (r *run) delegation(cfg *schema.Config, d *schema.Domain) {
	ctx, cancel := context.WithTimeout(context.Background(), delegationTimeout)
	defer cancel()
	del, err := verify.CheckDelegation(ctx, d.Zone, verify.Options{
		Resolver: cfg.Defaults.Resolver, Nameservers: d.Verify.Nameservers,
		Timeout: delegationTimeout, QueryTimeout: 2 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(r.env.Stdout, "Delegation of %s was not checked: %v\n", d.Zone, err)
		return
	}
	fmt.Fprintf(r.env.Stdout, "Delegation of %s: %s\n", d.Zone, del.Status)
	if s := strings.TrimSpace(del.String()); s != "" {
		fmt.Fprintf(r.env.Stdout, "  %s\n", strings.ReplaceAll(s, "\n", "\n  "))
	}
	if del.Status == verify.NotDelegated {
		fmt.Fprintln(r.env.Stdout, "  This is normal for a new customer domain: apply now, and the records are live once the registrar delegates the zone.")
	}
}
