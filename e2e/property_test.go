package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/providers/providertest"
	"github.com/mailzone/mailzone/rrset"
	"github.com/mailzone/mailzone/schema"
)

// desired is a randomized desired state for one domain: which mail fields are
// declared, as the configuration says them, and the ownership rules that follow.
type desired struct {
	parked         bool
	mx, spf, dmarc bool
	mtasts, tlsrpt bool
	selectors      []string // declared DKIM selectors
	yaml           string   // the domain's mapping body, indented 4
}

// owns reports whether mailzone owns r under this desired state: the rules of
// design.md "What mailzone owns in a zone", written independently of the code.
func (d desired) owns(zone string, r rec) bool {
	apex := zone + "."
	switch {
	case r.name == apex && r.typ == "MX":
		return d.mx || d.parked
	case r.name == apex && r.typ == "TXT":
		return (d.spf || d.parked) && schema.IsSPF(r.value)
	case r.name == "_dmarc."+apex && r.typ == "TXT":
		return (d.dmarc || d.parked) && schema.IsDMARC(r.value)
	case r.name == "_dmarc."+apex && r.typ == "CNAME":
		return d.dmarc || d.parked
	case r.name == "_mta-sts."+apex && r.typ == "TXT":
		return d.mtasts
	case r.name == "_smtp._tls."+apex && r.typ == "TXT":
		return d.tlsrpt
	case strings.HasSuffix(r.name, "._domainkey."+apex) && (r.typ == "TXT" || r.typ == "CNAME"):
		sel := strings.TrimSuffix(r.name, "._domainkey."+apex)
		if d.parked {
			return sel == "*"
		}
		return slices.Contains(d.selectors, sel)
	}
	return false
}

// scenario is one randomized zone and desired state.
type scenario struct {
	zone string
	want desired
	seed []rrset.RRset
}

var (
	declaredPool   = []string{"mz1", "s2", "k2026"}
	undeclaredPool = []string{"crm", "google", "legacy", "selector1"}
)

// genScenario makes a zone holding records of every common type at the names
// mailzone manages and beside them, and a desired state of random mail fields.
func genScenario(rng *rand.Rand, zone string) scenario {
	k2048, _ := providertest.Keys()
	key := strings.TrimPrefix(k2048, "v=DKIM1; k=rsa; p=")
	chance := func(p float64) bool { return rng.Float64() < p }
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	var d desired
	var y strings.Builder
	var seed []rrset.RRset
	add := func(name, typ string, ttl uint32, vals ...string) {
		seed = append(seed, rrset.New(zone, name, typ, ttl, vals...))
	}

	d.parked = chance(0.12)
	if d.parked {
		y.WriteString("    mail: none\n")
	} else {
		if d.mx = chance(0.75); d.mx {
			fmt.Fprintf(&y, "    mx: %s\n", pick("inbound.mailgate.example.net", "mx.protect.example.com", "Gate-2.Example.ORG."))
		}
		if d.spf = chance(0.75); d.spf {
			incs := []string{}
			for i := 0; i < 1+rng.IntN(3); i++ {
				incs = append(incs, fmt.Sprintf("_spf%d.esp%d.example.net", i, rng.IntN(9)))
			}
			switch rng.IntN(3) {
			case 0:
				fmt.Fprintf(&y, "    spf: {include: [%s]}\n", strings.Join(incs, ", "))
			case 1:
				fmt.Fprintf(&y, "    spf: {include: [%s], ip4: [192.0.2.%d/32], mx: true}\n", strings.Join(incs, ", "), rng.IntN(250))
			default:
				fmt.Fprintf(&y, "    spf: \"v=spf1 include:%s -all\"\n", incs[0])
			}
		}
		var dk []string
		for _, sel := range declaredPool {
			if !chance(0.45) {
				continue
			}
			d.selectors = append(d.selectors, sel)
			switch rng.IntN(4) {
			case 0, 1:
				dk = append(dk, fmt.Sprintf("      %s: {public_key: %q}\n", sel, key))
			case 2:
				dk = append(dk, fmt.Sprintf("      %s: {cname: %s.dkim.esp.example.}\n", sel, sel))
			default:
				dk = append(dk, fmt.Sprintf("      %s: {revoked: true}\n", sel))
			}
		}
		if len(dk) > 0 {
			y.WriteString("    dkim:\n" + strings.Join(dk, ""))
		}
		if d.dmarc = chance(0.75); d.dmarc {
			rua := ""
			if chance(0.6) {
				rua = fmt.Sprintf(", rua: [\"mailto:dmarc%d@reports.example.net\"]", rng.IntN(99))
			}
			fmt.Fprintf(&y, "    dmarc: {policy: %s%s}\n", pick("none", "quarantine", "reject"), rua)
		}
		if d.mtasts = chance(0.4); d.mtasts {
			fmt.Fprintf(&y, "    mta_sts: {mode: %s, id: \"%d\"}\n", pick("enforce", "testing"), 20260000+rng.IntN(9999))
		}
		if d.tlsrpt = chance(0.4); d.tlsrpt {
			fmt.Fprintf(&y, "    tls_rpt: {rua: [\"mailto:tlsrpt%d@reports.example.net\"]}\n", rng.IntN(99))
		}
	}
	d.yaml = y.String()

	// Records mailzone does not own, at the apex and beside managed names.
	add("@", "A", uint32(60+rng.IntN(3600)), fmt.Sprintf("192.0.2.%d", 1+rng.IntN(250)))
	if chance(0.6) {
		add("@", "AAAA", 300, fmt.Sprintf("2001:db8::%x", 1+rng.IntN(4000)))
	}
	for i := 0; i < rng.IntN(3); i++ {
		add("@", "TXT", 3600, pick("google-site-verification=", "MS=ms", "apple-domain-verification=", "facebook-domain-verification=")+fmt.Sprint(rng.Int64()))
	}
	if chance(0.5) {
		add("@", "CAA", 3600, `0 issue "letsencrypt.org"`)
	}
	add("www", "CNAME", 300, zone+".")
	if chance(0.5) {
		add("shop", "CNAME", 300, "shops.myshopify.example.")
	}
	if chance(0.5) {
		add("_sip._tcp", "SRV", 3600, fmt.Sprintf("10 5 %d sip.example.net.", 5060+rng.IntN(10)))
	}
	if chance(0.5) {
		add("mail", "MX", 3600, "10 relay.example.net.")
	}
	if chance(0.4) {
		add("mta-sts", "A", 300, "192.0.2.80")
	}
	if chance(0.4) {
		add("_dmarc", "TXT", 3600, "not a dmarc record: reports go elsewhere")
	}
	if !d.mtasts && chance(0.4) {
		add("_mta-sts", "TXT", 3600, "v=STSv1; id=old1")
	}
	if !d.tlsrpt && chance(0.4) {
		add("_smtp._tls", "TXT", 3600, "v=TLSRPTv1; rua=mailto:old@example.net")
	}
	for _, sel := range undeclaredPool {
		switch rng.IntN(4) {
		case 0:
			add(sel+"._domainkey", "TXT", 3600, k2048)
		case 1:
			add(sel+"._domainkey", "CNAME", 3600, sel+".dkim.other.example.")
		}
	}
	if !d.parked && chance(0.2) {
		add("*._domainkey", "TXT", 3600, "v=DKIM1; p=")
	}

	// Old mail records, at the managed names or not.
	if chance(0.7) {
		add("@", "MX", 3600, "10 mx1.oldhost.example.", "20 mx2.oldhost.example.")
	}
	if chance(0.7) {
		add("@", "TXT", 3600, "v=spf1 include:_spf.oldhost.example ~all")
	}
	if chance(0.7) {
		add("_dmarc", "TXT", 3600, "v=DMARC1; p=none")
	}
	for _, sel := range d.selectors {
		switch rng.IntN(3) {
		case 0:
			add(sel+"._domainkey", "TXT", 3600, "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1")
		case 1:
			add(sel+"._domainkey", "CNAME", 3600, sel+".old-esp.example.")
		}
	}
	if d.mtasts && chance(0.5) {
		add("_mta-sts", "TXT", 3600, "v=STSv1; id=1")
	}
	return scenario{zone: zone, want: d, seed: merged(seed)}
}

// merged joins sets that share a name and type, as a zone holds them.
func merged(sets []rrset.RRset) []rrset.RRset {
	var out []rrset.RRset
	for _, s := range rrset.Index(sets) {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b rrset.RRset) int { return strings.Compare(a.Key().String(), b.Key().String()) })
	return out
}

// unmanaged returns the exact forms of the records mailzone does not own.
func unmanaged(zone string, d desired, recs []rec) []string {
	var keep []rec
	for _, r := range recs {
		if !d.owns(zone, r) {
			keep = append(keep, r)
		}
	}
	return exacts(keep)
}

func writeConfig(t *testing.T, dir, block, zone, body string) string {
	t.Helper()
	cfg := filepath.Join(dir, "mailzone.yaml")
	writeFile(t, cfg, fmt.Sprintf("version: 1\nproviders:\n  dns: %s\ndefaults: {provider: dns, ttl: 3600}\ndomains:\n  %s:\n%s", block, zone, body))
	return cfg
}

// TestOwnershipProperty applies randomized desired states to randomized zones
// on every provider and checks that every record mailzone does not own is
// stored exactly as before, and that a second plan is empty.
func TestOwnershipProperty(t *testing.T) {
	seed := uint64(envInt("MAILZONE_SEED", int(time.Now().UnixNano()%1_000_000)))
	t.Logf("seed %d (rerun with MAILZONE_SEED=%d)", seed, seed)
	iters := map[string]int{"zonefile": 60, "cloudflare": 40, "route53": 25, "rfc2136": 10, "powerdns": 10}
	if long() {
		iters = map[string]int{"zonefile": 400, "cloudflare": 200, "route53": 100, "rfc2136": 20, "powerdns": 40}
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			n := envInt("MAILZONE_PROP_ITERS", iters[b.name])
			rng := rand.New(rand.NewPCG(seed, uint64(len(b.name))))
			for i := 0; i < n; i++ {
				sc := genScenario(rng, fmt.Sprintf("prop%d.example", i))
				if !ownershipOnce(t, b, sc) {
					t.Fatalf("iteration %d failed; configuration:\n%s", i, sc.want.yaml)
				}
			}
			t.Logf("%s: %d randomized zones, every unmanaged record identical", b.name, n)
		})
	}
}

func ownershipOnce(t *testing.T, b backend, sc scenario) bool {
	t.Helper()
	dir := t.TempDir()
	st := b.seed(t, dir, sc.zone, sc.seed)
	cfg := writeConfig(t, dir, st.block, sc.zone, sc.want.yaml)
	before := st.records(t)
	if r := mz(st.vars, "apply", "-c", cfg, "--yes"); r.code != 0 {
		t.Errorf("apply: %s", r)
		return false
	}
	if r := mz(st.vars, "plan", "-c", cfg, "--detailed-exitcode"); r.code != 0 {
		t.Errorf("second plan is not empty: %s", r)
		return false
	}
	after := st.records(t)
	ub, ua := unmanaged(sc.zone, sc.want, before), unmanaged(sc.zone, sc.want, after)
	if !slices.Equal(ub, ua) {
		t.Errorf("unmanaged records changed\nbefore:\n  %s\nafter:\n  %s", strings.Join(ub, "\n  "), strings.Join(ua, "\n  "))
		if data, err := os.ReadFile(filepath.Join(dir, "zones", sc.zone+".zone")); err == nil {
			t.Logf("zone file after:\n%s", data)
		}
		return false
	}
	return true
}
