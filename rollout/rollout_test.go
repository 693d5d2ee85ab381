package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/mailzone/mailzone/aggregate"
	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/schema"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// ninetyDays is the rollout the README walks through: two weeks of p=none,
// a month of quarantine in testing mode, a month of quarantine gated on
// the reports, then reject.
func ninetyDays() *schema.Rollout {
	return &schema.Rollout{
		Final: dmarc.Spec{Policy: "reject", SubdomainPolicy: "reject", RUA: []string{"mailto:dmarc-reports@mailgate.example.net"}},
		Stages: []schema.Stage{
			{Policy: "none", Until: day("2027-01-15")},
			{Policy: "quarantine", Testing: true, Until: day("2027-02-01")},
			{Policy: "quarantine", Until: day("2027-03-01"), Require: &schema.Require{PassRate: 0.98, MinMessages: 1000}},
		},
	}
}

func evidence(messages, pass int64) *aggregate.Summary {
	d := &aggregate.Domain{Domain: "contoso.com", Messages: messages, Pass: pass,
		Failing: []aggregate.Source{{IP: "203.0.113.7", Messages: messages - pass}}}
	if messages > 0 {
		d.PassRate = float64(pass) / float64(messages)
	}
	return &aggregate.Summary{FormatVersion: aggregate.FormatVersion, Domains: []*aggregate.Domain{d}}
}

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name   string
		now    string
		ev     *aggregate.Summary
		stage  int
		record string
		line   string
	}{
		{"before the first date", "2026-12-01", nil, 1,
			"v=DMARC1; p=none; sp=none; rua=mailto:dmarc-reports@mailgate.example.net", "next p=quarantine t=y"},
		{"the first date itself starts the second stage", "2027-01-15", nil, 2,
			"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc-reports@mailgate.example.net; t=y", "next p=quarantine"},
		{"a gated stage before its date", "2027-02-10", nil, 3,
			"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc-reports@mailgate.example.net", "gated"},
		{"after the gate's date without evidence: held", "2027-03-02", nil, 3,
			"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc-reports@mailgate.example.net", "held at p=quarantine: no DMARC evidence was given"},
		{"evidence short of the pass rate: held, and why", "2027-03-02", evidence(4210, 3920), 3,
			"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc-reports@mailgate.example.net", "held at p=quarantine: 93.1% of 4,210 messages pass, 98% required; 203.0.113.7 fails SPF and DKIM for 290"},
		{"too few messages: held", "2027-03-02", evidence(812, 812), 3,
			"v=DMARC1; p=quarantine; sp=quarantine; rua=mailto:dmarc-reports@mailgate.example.net", "held at p=quarantine: 812 messages reported, 1,000 required"},
		{"evidence that meets it: final", "2027-03-02", evidence(10000, 9950), 0,
			"v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc-reports@mailgate.example.net", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := Decide("contoso.com", ninetyDays(), day(c.now), c.ev)
			if st.Stage != c.stage || st.Record != c.record {
				t.Errorf("stage %d record %q, want %d %q", st.Stage, st.Record, c.stage, c.record)
			}
			switch {
			case c.line == "gated":
				if !st.Gated || st.Held != "" {
					t.Errorf("want gated, not held: %+v", st)
				}
			case strings.HasPrefix(c.line, "held"):
				if !strings.HasPrefix(st.Held, c.line) {
					t.Errorf("held %q, want %q", st.Held, c.line)
				}
			case c.line != "":
				if !strings.Contains(st.Next, strings.TrimPrefix(c.line, "next ")) || st.Held != "" {
					t.Errorf("next %q held %q, want %q", st.Next, st.Held, c.line)
				}
			default:
				if st.Held != "" || st.Until != nil {
					t.Errorf("final with %+v", st)
				}
			}
		})
	}
}

// TestApplyCopies: domains that share a profile's DMARC field get their
// own record; the shared field keeps the final record.
func TestApplyCopies(t *testing.T) {
	shared := &schema.TXTField{Text: "v=DMARC1; p=reject; sp=reject; rua=mailto:dmarc-reports@mailgate.example.net", Rollout: ninetyDays()}
	cfg := &schema.Config{Domains: []*schema.Domain{{Name: "contoso.com", DMARC: shared}, {Name: "fabrikam.co.uk", DMARC: shared}}}
	sts := Apply(cfg, day("2026-12-01"), nil)
	if len(sts) != 2 || cfg.Domains[0].DMARC == shared || !strings.Contains(cfg.Domains[1].DMARC.Text, "p=none") {
		t.Fatalf("statuses %+v", sts)
	}
	if !strings.Contains(shared.Text, "p=reject") {
		t.Errorf("the shared field changed: %q", shared.Text)
	}
}
