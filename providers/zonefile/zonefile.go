// Package zonefile is the provider for RFC 1035 zone files kept on disk, one file
// per zone at <directory>/<zone>.zone. It is mailzone's embedded default: the quick
// start runs against it with no account anywhere.
//
// Zone files are usually kept in git and changed through reviewed pull requests,
// so the point of this package is the size of the diff. Apply edits the file text,
// not a re-rendering of the zone: comments, blank lines, directives, the layout of
// the SOA and every record mailzone does not own keep their exact bytes. A record
// mailzone replaces is rewritten on the line it was on (an SPF update is a one-line
// diff); a new record goes after the last record with the same owner name, or at
// the end of the file; the SOA serial is the only other token that changes. The
// lines mailzone writes have one tidy form:
//
//	_dmarc	3600	IN	TXT	"v=DMARC1; p=reject"
//
// with the owner relative to the zone ("@" for the apex), or absolute where a
// different $ORIGIN is in effect.
//
// One exception to "untouched": in zone-file syntax a record with a blank owner
// takes the owner of the record above it, and a record without a TTL (when there is
// no $TTL) takes the TTL of the record above it. When mailzone removes or inserts
// the record above, it writes the inherited owner or TTL into that line, so it
// still means exactly what it meant before.
//
// Every write is checked before it happens: the new text is parsed again and must
// hold exactly the records expected. It is then written atomically (a temporary file
// in the same directory, fsync, rename, fsync of the directory), keeping the file's
// mode. Applies to one zone are serialized within the process by a mutex and across
// processes by an exclusive flock(2) on <zone>.zone.lock beside the zone file (a
// separate file because the rename replaces the zone file's inode). The lock file
// is left in place; add `*.zone.lock` to .gitignore.
package zonefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailzone/mailzone/providers"
	"github.com/mailzone/mailzone/rrset"
)

func init() {
	providers.Register(providers.Type{
		Name: "zonefile",
		Settings: []providers.Setting{
			{Name: "directory", Required: true, Help: "directory holding <zone>.zone files"},
		},
		Open: open,
	})
}

// open builds a provider from a configuration block. A relative directory is
// taken from the directory of the configuration file.
func open(cfg providers.Config) (providers.Provider, error) {
	dir := cfg.Settings["directory"]
	if dir == "" {
		return nil, errors.New("directory: must not be empty")
	}
	p := New(dir)
	if !filepath.IsAbs(dir) && cfg.Dir != "" {
		p.dir = filepath.Join(cfg.Dir, dir)
	}
	fi, err := os.Stat(p.dir)
	if err != nil {
		return nil, fmt.Errorf("directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("directory %s: not a directory", dir)
	}
	return p, nil
}

// Provider reads and edits the zone files in one directory. It implements
// [providers.Provider].
type Provider struct {
	dir     string // where files are read and written
	display string // the directory as configured, for messages

	// Now is the clock used for date-based SOA serials (YYYYMMDDnn); the date
	// is taken in UTC. New sets it to time.Now.
	Now func() time.Time

	syncs dirSyncs // group commit of the directory syncs after renames
}

var _ providers.Provider = (*Provider)(nil)

// New returns a provider for the zone files in dir. It does not touch the file
// system.
func New(dir string) *Provider {
	return &Provider{dir: dir, display: dir, Now: time.Now}
}

// files returns the path of zone's file on disk and as shown in messages, and
// the zone as an absolute lower-case name.
func (p *Provider) files(zone string) (disk, shown, fqdn string, err error) {
	z := strings.ToLower(strings.TrimSuffix(zone, "."))
	if _, ok := dns.IsDomainName(z); !ok || z == "" || strings.ContainsAny(z, `/\`) || strings.HasPrefix(z, ".") {
		return "", "", "", fmt.Errorf("zone %q: not a domain name", zone)
	}
	name := z + ".zone"
	return filepath.Join(p.dir, name), filepath.Join(p.display, name), z + ".", nil
}

// Records reads the zone file and returns every RRset in it, normalized, SOA
// and NS included. When the records of one RRset carry different TTLs, the set
// has the TTL of the first in the file. A missing file is an error; a malformed
// one is an error that names the file and line.
func (p *Provider) Records(ctx context.Context, zone string) ([]rrset.RRset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	disk, shown, fqdn, err := p.files(zone)
	if err != nil {
		return nil, err
	}
	text, err := readZone(disk, shown)
	if err != nil {
		return nil, err
	}
	text = strings.TrimPrefix(text, bom)
	if sets, ok := fastSets(text, fqdn); ok {
		return sets, nil
	}
	rrs, err := parseRecords(text, fqdn, shown)
	if err != nil {
		return nil, err
	}
	if hasInclude(text) {
		inc, err := readIncludes(p.dir, zoneSegments(text, fqdn), fqdn, shown, 0)
		if err != nil {
			return nil, err
		}
		for _, i := range inc {
			rrs = append(rrs, i.rr)
		}
	}
	return toSets(rrs), nil
}

// toSets merges parsed records into RRsets, sorted by name and type.
func toSets(rrs []dns.RR) []rrset.RRset {
	sets := make([]rrset.RRset, 0, len(rrs))
	for _, rr := range rrs {
		sets = append(sets, toSet(rr))
	}
	return mergeSets(sets)
}

// mergeSets merges one-value RRsets into RRsets, sorted by name and type.
func mergeSets(sets []rrset.RRset) []rrset.RRset {
	// By name, then type: the order of Key().String(), without building it.
	// The sort is stable, so the sets of one key merge in file order, as
	// rrset.Index merges them.
	slices.SortStableFunc(sets, func(a, b rrset.RRset) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
	out := sets[:0]
	for i := 0; i < len(sets); {
		j := i + 1
		for j < len(sets) && sets[j].Name == sets[i].Name && sets[j].Type == sets[i].Type {
			j++
		}
		if j-i == 1 {
			out = append(out, sets[i])
		} else {
			out = append(out, rrset.Merge(sets[i:j]))
		}
		i = j
	}
	return out
}

// readZone reads a zone file, naming it as configured in errors.
func readZone(disk, shown string) (string, error) {
	text, err := readZoneText(disk)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", noZoneError{shown}
		}
		return "", fmt.Errorf("%s: %w", shown, err)
	}
	return text, nil
}

// Apply makes the edits to the zone file in one atomic write, with the smallest
// change of text that does it, and bumps the SOA serial. If the file already
// holds what the edits ask for, it is not written at all. It returns len(edits)
// on success and 0 with an error otherwise; nothing is written on error.
func (p *Provider) Apply(ctx context.Context, zone string, edits []rrset.Edit) (int, error) {
	if len(edits) == 0 {
		return 0, ctx.Err()
	}
	disk, shown, fqdn, err := p.files(zone)
	if err != nil {
		return 0, err
	}
	unlock, err := lock(ctx, disk)
	if err != nil {
		return 0, fmt.Errorf("%s: lock: %w", shown, err)
	}
	defer unlock()
	removeStale(disk)

	text, err := readZone(disk, shown)
	if err != nil {
		return 0, err
	}
	// A byte order mark is kept as it was, and not read as part of a name.
	mark := ""
	if strings.HasPrefix(text, bom) {
		mark, text = bom, text[len(bom):]
	}
	var inc []included
	if hasInclude(text) {
		if inc, err = readIncludes(p.dir, zoneSegments(text, fqdn), fqdn, shown, 0); err != nil {
			return 0, err
		}
	}
	out, changed, err := edit(text, fqdn, shown, edits, p.now(), inc)
	if err != nil {
		return 0, err
	}
	out = mark + out
	if !changed {
		return len(edits), nil
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := writeAtomic(disk, []byte(out), &p.syncs); err != nil {
		return 0, fmt.Errorf("%s: %w", shown, err)
	}
	return len(edits), nil
}

func (p *Provider) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// edit returns text with edits made and the serial bumped, checked by parsing it
// again. changed is false when the edits ask for nothing new.
func edit(text, zone, path string, edits []rrset.Edit, now time.Time, inc []included) (out string, changed bool, err error) {
	z, err := load(text, zone, path)
	if err != nil {
		return "", false, err
	}
	z.includes = inc
	for _, e := range edits {
		c, err := z.edit(e)
		if err != nil {
			return "", false, fmt.Errorf("%s: %s: %w", path, e.Key(), err)
		}
		changed = changed || c
	}
	if !changed {
		return text, false, nil
	}
	if err := z.bumpSerial(func(s uint32) uint32 { return nextSerial(s, now) }); err != nil {
		return "", false, err
	}
	out, rrs, err := z.settle()
	if err != nil {
		return "", false, err
	}
	if err := check(rrs, edits); err != nil {
		return "", false, fmt.Errorf("%s: %w", path, err)
	}
	return out, true, nil
}

// Staged reports true: zone files are live only once a nameserver loads them,
// so apply does not wait for nameservers after writing them unless told which
// to ask.
func (p *Provider) Staged() bool { return true }

// noZoneError says that a zone's file does not exist.
type noZoneError struct{ shown string }

func (e noZoneError) Error() string { return e.shown + ": zone file does not exist" }
func (e noZoneError) Unwrap() error { return providers.ErrNoZone }

// CreateZone writes a new zone file holding only an SOA record (serial
// YYYYMMDD01) and the NS records, and never overwrites an existing file. It
// implements [providers.ZoneCreator].
func (p *Provider) CreateZone(ctx context.Context, zone string, z providers.NewZone) (func() error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	disk, shown, fqdn, err := p.files(zone)
	if err != nil {
		return nil, err
	}
	if len(z.Nameservers) == 0 || z.Hostmaster == "" {
		return nil, fmt.Errorf("%s: a new zone needs nameservers and a hostmaster", shown)
	}
	ttl := z.TTL
	if ttl == 0 {
		ttl = 3600
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; %s, created by mailzone onboard\n$ORIGIN %s\n$TTL %d\n", strings.TrimSuffix(fqdn, "."), fqdn, ttl)
	fmt.Fprintf(&b, "@\tIN\tSOA\t%s %s (\n\t\t%s01 ; serial\n\t\t7200 ; refresh\n\t\t3600 ; retry\n\t\t1209600 ; expire\n\t\t300 ) ; negative caching\n",
		z.Nameservers[0], z.Hostmaster, p.Now().UTC().Format("20060102"))
	for _, ns := range z.Nameservers {
		fmt.Fprintf(&b, "@\tIN\tNS\t%s\n", ns)
	}
	if _, err := parseRecords(b.String(), fqdn, shown); err != nil {
		return nil, fmt.Errorf("%s: the new zone does not parse: %w", shown, err)
	}
	f, err := os.OpenFile(disk, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s: already exists", shown)
		}
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(disk)
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	return func() error { return os.Remove(disk) }, nil
}

// zoneSegments cuts text into segments with the origin in effect set on
// each, for readIncludes.
func zoneSegments(text, zone string) []segment {
	segs := split(text, 1)
	origin := zone
	for i := range segs {
		s := &segs[i]
		if s.kind == directive && strings.EqualFold(s.toks[0].text, "$ORIGIN") && len(s.toks) > 1 {
			origin = absName(s.toks[1].text, origin)
		}
		s.origin = origin
	}
	return segs
}
