package schema

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dmarc"
)

// Rollout is a DMARC policy reached in stages (dmarc.rollout): each stage
// holds until its date, and may require evidence from the aggregate reports
// before the next one starts. Package rollout decides the stage in force.
type Rollout struct {
	// Stages in order; their Until dates increase.
	Stages []Stage
	// Final is the record the domain publishes after the last stage.
	Final dmarc.Spec
	Pos   Pos
}

// Stage is one step of a rollout.
type Stage struct {
	// Policy is none, quarantine or reject; Testing publishes t=y.
	Policy  string
	Testing bool
	// Until is the first day the stage is no longer in force.
	Until time.Time
	// Require, when set, holds the stage past Until until the evidence
	// meets it.
	Require *Require
	// Field names the stage in messages ("domains.contoso.com.dmarc.rollout[1]").
	Field string
	Pos   Pos
}

// Require is the evidence a gated stage needs before the next one starts.
type Require struct {
	// PassRate is the share of messages that must pass DMARC, 0 to 1.
	PassRate float64
	// MinMessages is how many messages the reports must cover.
	MinMessages int64
}

// strictness orders the DMARC policies.
var strictness = map[string]int{"none": 0, "quarantine": 1, "reject": 2}

// Stricter reports whether policy a is stricter than policy b.
func Stricter(a, b string) bool { return strictness[a] > strictness[b] }

// rollout decodes dmarc.rollout, given the final policy.
func (l *loader) rollout(n *yaml.Node, field string, final dmarc.Spec) *Rollout {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // rollout: null, as rollout: []
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, field, "must be a list of stages, such as [{policy: none, until: 2027-01-15}], not %s", kindName(n))
		return nil
	}
	r := &Rollout{Final: final, Pos: l.pos(n)}
	ok := true
	for i, sn := range n.Content {
		sf := fmt.Sprintf("%s[%d]", field, i)
		st := Stage{Field: sf, Pos: l.pos(sn)}
		var haveUntil, havePolicy bool
		for _, p := range l.fields(sn, sf, "policy", "until", "testing", "require") {
			switch p.key {
			case "policy":
				s, good := l.str(p.v, p.field)
				if !good {
					ok = false
					continue
				}
				if _, known := strictness[s]; !known {
					l.errorf(p.v, p.field, "unknown policy %q; one of none, quarantine, reject", short(s))
					ok = false
					continue
				}
				if Stricter(s, final.Policy) {
					l.errorf(p.v, p.field, "stage %d (p=%s) is stricter than the final policy p=%s: a rollout only tightens towards it", i+1, s, final.Policy)
					ok = false
				}
				st.Policy, havePolicy = s, true
			case "until":
				s, good := l.str(p.v, p.field)
				if !good {
					ok = false
					continue
				}
				t, err := time.Parse("2006-01-02", s)
				if err != nil {
					l.errorf(p.v, p.field, "%q is not a date such as 2027-01-15", short(s))
					ok = false
					continue
				}
				if len(r.Stages) > 0 && !t.After(r.Stages[len(r.Stages)-1].Until) {
					l.errorf(p.v, p.field, "stage %d ends on %s, not after stage %d (%s): the dates must be in order", i+1, s, i, r.Stages[len(r.Stages)-1].Until.Format("2006-01-02"))
					ok = false
				}
				st.Until, haveUntil = t, true
			case "testing":
				st.Testing, _ = l.boolean(p.v, p.field)
			case "require":
				st.Require = l.require(p.v, p.field)
				if st.Require == nil {
					ok = false
				}
			}
		}
		if !havePolicy && ok {
			l.errorf(sn, sf+".policy", "missing; one of none, quarantine, reject")
			ok = false
		}
		if !haveUntil && ok {
			l.errorf(sn, sf+".until", "missing: the date the stage ends, such as 2027-01-15")
			ok = false
		}
		if ok && len(r.Stages) > 0 && Stricter(r.Stages[len(r.Stages)-1].Policy, st.Policy) {
			l.errorf(sn, sf+".policy", "stage %d (p=%s) is weaker than stage %d (p=%s): a rollout only tightens", i+1, st.Policy, i, r.Stages[len(r.Stages)-1].Policy)
			ok = false
		}
		if ok {
			r.Stages = append(r.Stages, st)
		}
	}
	if len(n.Content) == 0 {
		// rollout: [] turns off a rollout a profile declares.
		return nil
	}
	if !ok {
		return nil
	}
	return r
}

// require decodes a stage's require: {pass_rate: 98%, min_messages: 1000}.
func (l *loader) require(n *yaml.Node, field string) *Require {
	req := &Require{}
	pairs := l.fields(n, field, "pass_rate", "min_messages")
	if resolve(n).Kind == yaml.MappingNode && len(pairs) == 0 {
		l.errorf(n, field, "says nothing: give pass_rate (such as 98%%) and/or min_messages (such as 1000)")
		return nil
	}
	ok := len(pairs) > 0
	for _, p := range pairs {
		switch p.key {
		case "pass_rate":
			v := resolve(p.v)
			s := strings.TrimSpace(v.Value)
			pct, isPct := strings.CutSuffix(s, "%")
			f, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
			if v.Kind != yaml.ScalarNode || err != nil || f < 0 || f > 100 || (!isPct && f > 1 && v.Tag != "!!int" && v.Tag != "!!float") {
				l.errorf(p.v, p.field, "%q is not a pass rate such as 98%% (or 0.98)", short(s))
				ok = false
				continue
			}
			if isPct || f > 1 {
				f /= 100
			}
			req.PassRate = f
		case "min_messages":
			if v, good := l.uint(p.v, p.field, 0, 1<<40); good {
				req.MinMessages = int64(v)
			} else {
				ok = false
			}
		}
	}
	if !ok {
		return nil
	}
	return req
}
