package onboard

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailzone/mailzone/escape"
)

// ReadCSV reads the rows of an onboarding CSV file (columns domain,
// profile, provider, dkim_selector; only domain is required, def gives the
// others). The header names
// the columns; lines starting with # are comments.
func ReadCSV(path string, def Request) ([]Request, error) {
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
	var out []Request
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
		req := Request{Row: line, Domain: get("domain", ""), Profile: get("profile", def.Profile),
			Provider: get("provider", def.Provider), Selector: get("dkim_selector", def.Selector)}
		if req.Domain == "" {
			continue
		}
		if req.Profile == "" {
			return nil, fmt.Errorf("%s:%d: %s has no profile (give the column or --profile)", path, line, escape.Short(req.Domain))
		}
		out = append(out, req)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return out, nil
}
