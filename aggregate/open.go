package aggregate

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Limits bound what one report file may cost.
type Limits struct {
	// File is the largest file read, compressed or not.
	File int64
	// XML is the largest report once decompressed.
	XML int64
	// Ratio is the largest expansion of compressed input (decompressed
	// bytes per compressed byte) beyond the first MiB.
	Ratio int64
}

// DefaultLimits are far above any real report (a day of a large sender's
// mail at one mailbox provider is a few MB of XML) and far below what would
// hurt a CI runner.
var DefaultLimits = Limits{File: 32 << 20, XML: 64 << 20, Ratio: 200}

// Files lists the report files under paths: each file named, and in each
// directory (recursively) the files ending in .xml, .xml.gz, .gz or .zip,
// sorted, so that the first of two duplicate reports is the same on every
// run.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && isReportName(d.Name()) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func isReportName(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".gz") || strings.HasSuffix(n, ".zip")
}

// ReadFile reads the reports of one file: plain XML, gzip, or a zip
// archive of XML files (as mailbox providers attach them), recognised by
// their first bytes, whatever the name says.
func ReadFile(path string, lim Limits) ([]*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > lim.File {
		return nil, fmt.Errorf("%d bytes, over the %d-byte limit for a report file", st.Size(), lim.File)
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		rep, err := parseCapped(zr, st.Size(), lim)
		if err != nil {
			return nil, err
		}
		return []*Report{rep}, nil
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
		return readZip(f, st.Size(), lim)
	}
	rep, err := parseCapped(br, st.Size(), lim)
	if err != nil {
		return nil, err
	}
	return []*Report{rep}, nil
}

// maxZipEntries bounds the files of one archive; providers send one.
const maxZipEntries = 16

// readZip reads every .xml file of a zip archive.
func readZip(f io.ReaderAt, size int64, lim Limits) ([]*Report, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("zip: %d files, over the limit of %d", len(zr.File), maxZipEntries)
	}
	var out []*Report
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !strings.HasSuffix(strings.ToLower(zf.Name), ".xml") {
			continue
		}
		if zf.UncompressedSize64 > uint64(lim.XML) {
			return nil, fmt.Errorf("zip: %s says it expands to %d bytes, over the %d-byte limit", short(zf.Name), zf.UncompressedSize64, lim.XML)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, fmt.Errorf("zip: %s: %w", short(zf.Name), err)
		}
		rep, err := parseCapped(rc, int64(zf.CompressedSize64), lim)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("zip: %s: %w", short(zf.Name), err)
		}
		out = append(out, rep)
	}
	if len(out) == 0 {
		return nil, errors.New("zip: no .xml file in the archive")
	}
	return out, nil
}

// parseCapped parses r, refusing more than lim.XML bytes, or an expansion
// past lim.Ratio of the compressed size.
func parseCapped(r io.Reader, compressed int64, lim Limits) (*Report, error) {
	c := &capped{r: r, limit: lim.XML}
	if compressed > 0 && lim.Ratio > 0 {
		c.limit = min(c.limit, max(1<<20, compressed*lim.Ratio))
	}
	rep, err := Parse(c)
	if c.over {
		return nil, fmt.Errorf("expands past %d bytes (a compressed input may grow at most %d times, and no report past %d bytes): refused as a decompression bomb or an oversized report", c.limit, lim.Ratio, lim.XML)
	}
	return rep, err
}

// capped reads at most limit bytes and remembers an attempt to read more.
type capped struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		// One more byte tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, errors.New("over the size limit")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
