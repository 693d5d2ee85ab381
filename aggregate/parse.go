// Package aggregate reads DMARC aggregate reports, as mailbox providers mail
// them (XML per RFC 7489 Appendix C and the RFC 9990 schema, gzip or zip
// compressed), and sums them per policy domain: messages, how many pass
// DMARC, the SPF- and DKIM-aligned shares, and the sources that fail. The sum
// is the evidence a DMARC rollout advances on.
//
// Report files come from strangers, so each is read with limits: the XML is
// streamed (one record in memory at a time), compressed input is capped in
// size and in expansion ratio, DTDs and entities are refused, and a file that
// breaks a rule is named and skipped while the others still count.
package aggregate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Report is one aggregate report, summed per source while it is read.
type Report struct {
	// Org and ID identify the report: the same pair twice is one report.
	Org, ID string
	// Begin and End are the report's date range.
	Begin, End time.Time
	// Domain is the policy domain (policy_published/domain), lower case.
	Domain string
	// Policy is the p= the reporter saw published.
	Policy string
	// Rows are the report's records, one per source IP and result, in file
	// order, with counts.
	Rows []Row
}

// Row is one record of a report.
type Row struct {
	// IP is the source IP address.
	IP netip.Addr
	// Count is how many messages the row stands for.
	Count int64
	// SPF and DKIM are the DMARC-aligned results (policy_evaluated): true
	// for pass.
	SPF, DKIM bool
}

// Pass reports whether the row's messages pass DMARC: aligned SPF or
// aligned DKIM.
func (r Row) Pass() bool { return r.SPF || r.DKIM }

// maxRows bounds the records of one report; real reports hold a few
// thousand at most.
const maxRows = 200_000

// xmlRecord is the part of a <record> that is read.
type xmlRecord struct {
	Row struct {
		SourceIP        string `xml:"source_ip"`
		Count           string `xml:"count"`
		PolicyEvaluated struct {
			DKIM string `xml:"dkim"`
			SPF  string `xml:"spf"`
		} `xml:"policy_evaluated"`
	} `xml:"row"`
}

// Parse reads one report from XML, streaming: only one record is held at a
// time. Element names are matched without their namespace, so the RFC 7489
// and RFC 9990 forms read the same. A DTD, an entity other than XML's own,
// a count or address that is not one, or a report without its identity or
// policy domain is an error.
func Parse(r io.Reader) (*Report, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = charsetReader
	rep := &Report{}
	var path []string
	var text bytes.Buffer
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("a DTD or other directive: aggregate reports have none, and entities are not expanded")
		case xml.StartElement:
			name := t.Name.Local
			if len(path) == 0 && name != "feedback" {
				return nil, fmt.Errorf("the root element is <%s>, not <feedback>: not a DMARC aggregate report", name)
			}
			if len(path) == 1 && name == "record" {
				var rec xmlRecord
				if err := d.DecodeElement(&rec, &t); err != nil {
					return nil, fmt.Errorf("malformed XML in record %d: %w", len(rep.Rows)+1, err)
				}
				row, err := parseRow(rec)
				if err != nil {
					return nil, fmt.Errorf("record %d: %w", len(rep.Rows)+1, err)
				}
				if len(rep.Rows) >= maxRows {
					return nil, fmt.Errorf("more than %d records", maxRows)
				}
				rep.Rows = append(rep.Rows, row)
				continue
			}
			path = append(path, name)
			text.Reset()
		case xml.CharData:
			if text.Len()+len(t) > 4096 {
				return nil, fmt.Errorf("the text of <%s> is over 4096 bytes", strings.Join(path, "/"))
			}
			text.Write(t)
		case xml.EndElement:
			if len(path) == 0 {
				continue
			}
			if err := rep.set(strings.Join(path, "/"), strings.TrimSpace(text.String())); err != nil {
				return nil, err
			}
			path = path[:len(path)-1]
			text.Reset()
		}
	}
	switch {
	case rep.Org == "" || rep.ID == "":
		return nil, errors.New("no report_metadata org_name and report_id")
	case rep.Domain == "":
		return nil, errors.New("no policy_published domain")
	}
	return rep, nil
}

// set stores the text of one metadata element.
func (rep *Report) set(path, v string) error {
	switch path {
	case "feedback/report_metadata/org_name":
		rep.Org = v
	case "feedback/report_metadata/report_id":
		rep.ID = v
	case "feedback/report_metadata/date_range/begin", "feedback/report_metadata/date_range/end":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return fmt.Errorf("date_range: %s is not a time in seconds since 1970", short(v))
		}
		if strings.HasSuffix(path, "begin") {
			rep.Begin = time.Unix(n, 0).UTC()
		} else {
			rep.End = time.Unix(n, 0).UTC()
		}
	case "feedback/policy_published/domain":
		rep.Domain = strings.ToLower(strings.TrimSuffix(v, "."))
	case "feedback/policy_published/p":
		rep.Policy = strings.ToLower(v)
	}
	return nil
}

// parseRow checks and converts one record.
func parseRow(rec xmlRecord) (Row, error) {
	ip, err := netip.ParseAddr(strings.TrimSpace(rec.Row.SourceIP))
	if err != nil {
		return Row{}, fmt.Errorf("source_ip %s is not an IP address", short(rec.Row.SourceIP))
	}
	n, err := strconv.ParseInt(strings.TrimSpace(rec.Row.Count), 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return Row{}, fmt.Errorf("count %s is not a number of messages", short(rec.Row.Count))
	}
	pe := rec.Row.PolicyEvaluated
	return Row{IP: ip.Unmap(), Count: n,
		SPF:  strings.EqualFold(strings.TrimSpace(pe.SPF), "pass"),
		DKIM: strings.EqualFold(strings.TrimSpace(pe.DKIM), "pass")}, nil
}

// charsetReader reads the single-byte charsets some reporters declare
// (ISO-8859-1, US-ASCII) as UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252":
		return &latin1{r: in}, nil
	}
	return nil, fmt.Errorf("charset %s is not supported", short(label))
}

// latin1 turns ISO-8859-1 bytes into UTF-8.
type latin1 struct {
	r   io.Reader
	buf []byte
}

func (l *latin1) Read(p []byte) (int, error) {
	if len(l.buf) == 0 {
		in := make([]byte, max(len(p)/2, 1))
		n, err := l.r.Read(in)
		for _, b := range in[:n] {
			if b < 0x80 {
				l.buf = append(l.buf, b)
			} else {
				l.buf = append(l.buf, 0xC0|b>>6, 0x80|b&0x3F)
			}
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

// short quotes at most 40 bytes of a hostile value for a message.
func short(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}
