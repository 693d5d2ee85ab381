package aggregate

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// FormatVersion is the version of the summary's JSON shape.
const FormatVersion = 1

// Summary is the evidence of many reports, per policy domain. Its JSON is
// what `dmarc reports --out` writes and `plan --dmarc-evidence` reads.
type Summary struct {
	FormatVersion int `json:"format_version"`
	// Since is the earliest report end counted, when --since was given.
	Since *time.Time `json:"since,omitempty"`
	// Files are the files read; Reports the reports counted once each;
	// Duplicates the reports seen again (same org and report id); Older the
	// reports left out by Since.
	Files      int `json:"files"`
	Reports    int `json:"reports"`
	Duplicates int `json:"duplicates"`
	Older      int `json:"older,omitempty"`
	// Refused are the files that could not be read, with why; the others
	// still count.
	Refused []Refused `json:"refused"`
	// Domains are the policy domains, sorted.
	Domains []*Domain `json:"domains"`
}

// Refused is a file that was skipped.
type Refused struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// Domain is the evidence for one policy domain.
type Domain struct {
	Domain  string `json:"domain"`
	Reports int    `json:"reports"`
	// Messages are all messages reported; Pass those that pass DMARC.
	Messages int64 `json:"messages"`
	Pass     int64 `json:"pass"`
	// SPFAligned and DKIMAligned count the messages with each aligned pass.
	SPFAligned  int64 `json:"spf_aligned"`
	DKIMAligned int64 `json:"dkim_aligned"`
	// PassRate, SPFRate and DKIMRate are shares of Messages, 0 to 1.
	PassRate float64 `json:"pass_rate"`
	SPFRate  float64 `json:"spf_aligned_rate"`
	DKIMRate float64 `json:"dkim_aligned_rate"`
	// Reporters are the organizations whose reports counted.
	Reporters []string `json:"reporters"`
	// Failing are the sources with the most messages failing DMARC, most
	// first (at most TopFailing).
	Failing []Source `json:"failing"`
	// FailingOther counts failing messages from sources past the tracking
	// limit (OtherSources), which Failing cannot name.
	FailingOther int64 `json:"failing_other,omitempty"`
	// First and Last bound the reports' date ranges.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`

	failing   map[netip.Addr]*Source
	reporters map[string]bool
}

// Source is one sending IP address that fails DMARC.
type Source struct {
	IP string `json:"ip"`
	// Messages is how many of its messages failed DMARC (neither aligned
	// SPF nor aligned DKIM passed).
	Messages  int64    `json:"messages"`
	Reporters []string `json:"reporters"`
}

// TopFailing is how many failing sources a domain lists.
const TopFailing = 10

// OtherSources is how many distinct failing sources a domain tracks; more
// are counted in FailingOther, so memory stays bounded whatever the input.
const OtherSources = 100_000

// Options configure Read.
type Options struct {
	// Since, when set, leaves out reports whose range ended before it.
	Since time.Time
	// Limits bound each file; zero means DefaultLimits.
	Limits Limits
	// Parallel is how many files are read at once; zero means GOMAXPROCS.
	Parallel int
}

// Read reads every file and sums the reports. Files are parsed in
// parallel and merged in path order, so that of two duplicate reports the
// one in the first file counts, on every run. A file that cannot be read
// is in Refused; it never stops the others.
func Read(files []string, o Options) *Summary {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	s := &Summary{FormatVersion: FormatVersion, Files: len(files), Refused: []Refused{}, Domains: []*Domain{}}
	if !o.Since.IsZero() {
		t := o.Since.UTC()
		s.Since = &t
	}
	type result struct {
		reps []*Report
		err  error
	}
	// Workers take files in order; results are merged in order through a
	// window of at most 4×Parallel files, which bounds memory.
	window := 4 * o.Parallel
	results := make([]chan result, len(files))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	tokens := make(chan struct{}, window)
	var next sync.Mutex
	idx := 0
	var wg sync.WaitGroup
	for range o.Parallel {
		wg.Go(func() {
			for {
				tokens <- struct{}{}
				next.Lock()
				i := idx
				idx++
				next.Unlock()
				if i >= len(files) {
					<-tokens
					return
				}
				reps, err := ReadFile(files[i], o.Limits)
				results[i] <- result{reps, err}
			}
		})
	}
	seen := map[string]bool{}
	byDomain := map[string]*Domain{}
	for i, f := range files {
		r := <-results[i]
		<-tokens
		if r.err != nil {
			s.Refused = append(s.Refused, Refused{File: f, Error: r.err.Error()})
			continue
		}
		for _, rep := range r.reps {
			key := rep.Org + "\x00" + rep.ID
			if seen[key] {
				s.Duplicates++
				continue
			}
			seen[key] = true
			if !o.Since.IsZero() && !rep.End.IsZero() && rep.End.Before(o.Since) {
				s.Older++
				continue
			}
			s.Reports++
			d := byDomain[rep.Domain]
			if d == nil {
				d = &Domain{Domain: rep.Domain, failing: map[netip.Addr]*Source{}, reporters: map[string]bool{}}
				byDomain[rep.Domain] = d
			}
			d.add(rep)
		}
	}
	wg.Wait()
	for _, d := range byDomain {
		d.finish()
		s.Domains = append(s.Domains, d)
	}
	sort.Slice(s.Domains, func(i, j int) bool { return s.Domains[i].Domain < s.Domains[j].Domain })
	return s
}

// add counts one report.
func (d *Domain) add(rep *Report) {
	d.Reports++
	d.reporters[rep.Org] = true
	if !rep.Begin.IsZero() && (d.First.IsZero() || rep.Begin.Before(d.First)) {
		d.First = rep.Begin
	}
	if rep.End.After(d.Last) {
		d.Last = rep.End
	}
	for _, row := range rep.Rows {
		d.Messages += row.Count
		if row.SPF {
			d.SPFAligned += row.Count
		}
		if row.DKIM {
			d.DKIMAligned += row.Count
		}
		if row.Pass() {
			d.Pass += row.Count
			continue
		}
		if row.Count == 0 {
			continue
		}
		src := d.failing[row.IP]
		if src == nil {
			if len(d.failing) >= OtherSources {
				d.FailingOther += row.Count
				continue
			}
			src = &Source{IP: row.IP.String()}
			d.failing[row.IP] = src
		}
		src.Messages += row.Count
		if !slices.Contains(src.Reporters, rep.Org) {
			src.Reporters = append(src.Reporters, rep.Org)
		}
	}
}

// finish computes the rates and the top failing sources.
func (d *Domain) finish() {
	if d.Messages > 0 {
		d.PassRate = float64(d.Pass) / float64(d.Messages)
		d.SPFRate = float64(d.SPFAligned) / float64(d.Messages)
		d.DKIMRate = float64(d.DKIMAligned) / float64(d.Messages)
	}
	for r := range d.reporters {
		d.Reporters = append(d.Reporters, r)
	}
	sort.Strings(d.Reporters)
	all := make([]*Source, 0, len(d.failing))
	for _, s := range d.failing {
		sort.Strings(s.Reporters)
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b *Source) int {
		if c := cmp.Compare(b.Messages, a.Messages); c != 0 {
			return c
		}
		return strings.Compare(a.IP, b.IP)
	})
	d.Failing = []Source{}
	for _, s := range all[:min(len(all), TopFailing)] {
		d.Failing = append(d.Failing, *s)
	}
	d.failing, d.reporters = nil, nil
}

// Domain returns the evidence for a policy domain, or nil.
func (s *Summary) Domain(name string) *Domain {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, d := range s.Domains {
		if d.Domain == name {
			return d
		}
	}
	return nil
}

// Load reads a summary written by WriteJSON (dmarc reports --out).
func Load(path string) (*Summary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: not a mailzone DMARC summary: %w", path, err)
	}
	if s.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: format_version %d, want %d (write it again with mailzone dmarc reports --out)", path, s.FormatVersion, FormatVersion)
	}
	return &s, nil
}

// WriteJSON writes the summary as indented JSON.
func (s *Summary) WriteJSON(w io.Writer) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// Percent renders a rate as a percentage with one decimal ("93.1%").
func Percent(rate float64) string {
	return fmt.Sprintf("%.1f%%", rate*100)
}

// Count renders a number with thousands separators ("4,210").
func Count(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
