package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mailzone/mailzone/dmarc"
	"github.com/mailzone/mailzone/spf"
)

// spfTermKey maps an SPF term to the builder key that produced it, for positions.
func spfTermKey(term string) string {
	t := strings.TrimLeft(strings.ToLower(term), "+-~?")
	for _, k := range []string{"include", "ip4", "ip6", "redirect"} {
		if strings.HasPrefix(t, k) {
			return k
		}
	}
	if strings.HasPrefix(t, "all") {
		return "all"
	}
	return ""
}

func (l *loader) spf(n *yaml.Node, field string) *TXTField {
	f := &TXTField{Pos: l.pos(n)}
	report := func(problems []spf.Problem, at func(term string) (*yaml.Node, string)) {
		for _, pr := range problems {
			node, fld := at(pr.Term)
			d := Diagnostic{Pos: l.pos(node), Field: fld, Severity: Error, Msg: pr.Error()}
			if pr.Severity == spf.Warning {
				d.Severity = Warning
			}
			l.add(d)
		}
	}
	whole := func(string) (*yaml.Node, string) { return n, field }
	if n.Kind == yaml.ScalarNode {
		s, ok := l.str(n, field)
		if !ok {
			return nil
		}
		rec, err := spf.Parse(s)
		if err != nil {
			l.errorf(n, field, "%v", err)
			return nil
		}
		f.Text = rec.String()
		report(spf.Check(rec, spf.Policy{}), whole)
		return f
	}
	var spec spf.Spec
	var policy spf.Policy
	nodes := map[string]*yaml.Node{}
	raw := ""
	var rawNode *yaml.Node
	var flatten []string
	var flattenNodes []*yaml.Node
	for _, p := range l.fields(n, field, "include", "ip4", "ip6", "a", "mx", "all", "allow_softfail", "redirect", "raw", "delete", "flatten") {
		nodes[p.key] = p.v
		switch p.key {
		case "flatten":
			flatten, flattenNodes = l.strs(p.v, p.field)
		case "include":
			spec.Include, _ = l.strs(p.v, p.field)
		case "ip4":
			spec.IP4, _ = l.strs(p.v, p.field)
		case "ip6":
			spec.IP6, _ = l.strs(p.v, p.field)
		case "a":
			spec.A, _ = l.boolean(p.v, p.field)
		case "mx":
			spec.MX, _ = l.boolean(p.v, p.field)
		case "all":
			s, ok := l.str(p.v, p.field)
			if !ok {
				continue
			}
			switch s {
			case "fail", "softfail":
				spec.All = s
			case "pass", "neutral":
				l.errorf(p.v, p.field, "all: %s would let any host send as this domain; use fail (-all)", s)
			default:
				l.errorf(p.v, p.field, "must be fail or softfail, not %q", s)
			}
		case "allow_softfail":
			policy.AllowSoftfail, _ = l.boolean(p.v, p.field)
		case "redirect":
			spec.Redirect, _ = l.str(p.v, p.field)
		case "raw":
			raw, _ = l.str(p.v, p.field)
			rawNode = p.v
		case "delete":
			if b, _ := l.boolean(p.v, p.field); b {
				f.Absent = true
			}
		}
	}
	if f.Absent {
		return f
	}
	if rawNode != nil {
		for _, k := range []string{"include", "ip4", "ip6", "a", "mx", "all", "redirect"} {
			if nodes[k] != nil {
				l.errorf(nodes[k], field+"."+k, "give either raw or the builder keys, not both")
			}
		}
		rec, err := spf.Parse(raw)
		if err != nil {
			l.errorf(rawNode, field+".raw", "%v", err)
			return nil
		}
		f.Text = rec.String()
		report(spf.Check(rec, policy), func(string) (*yaml.Node, string) { return rawNode, field + ".raw" })
		return f
	}
	if spec.All == "softfail" && !policy.AllowSoftfail {
		l.errorf(nodes["all"], field+".all", "softfail (~all) is not strict; set allow_softfail: true to publish it on purpose")
		spec.All = "fail"
	}
	f.Text = spec.Render()
	if len(flatten) > 0 {
		ok := true
		for i, name := range flatten {
			name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
			if !slices.ContainsFunc(spec.Include, func(inc string) bool { return strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(inc), "."), name) }) {
				l.errorf(flattenNodes[i], fmt.Sprintf("%s.flatten[%d]", field, i), "%q is not among the includes (%s): only an include can be flattened", short(name), strings.Join(spec.Include, ", "))
				ok = false
			}
			flatten[i] = name
		}
		if spec.Redirect != "" {
			l.errorf(nodes["flatten"], field+".flatten", "a record with redirect= cannot be flattened: its addresses would come after the redirect is taken")
			ok = false
		}
		if ok {
			f.Flatten = &SPFFlatten{Spec: spec, Names: flatten}
		}
	}
	report(spec.Check(policy), func(term string) (*yaml.Node, string) {
		if k := spfTermKey(term); k != "" && nodes[k] != nil {
			return nodes[k], field + "." + k
		}
		return n, field
	})
	return f
}

// dmarcKeys maps builder keys to DMARC tags.
var dmarcKeys = map[string]string{
	"policy": "p", "subdomain_policy": "sp", "nonexistent_policy": "np", "adkim": "adkim", "aspf": "aspf",
	"rua": "rua", "ruf": "ruf", "fo": "fo", "testing": "t", "psd": "psd", "pct": "pct", "rf": "rf", "ri": "ri",
}

func (l *loader) dmarc(n *yaml.Node, field string, parked bool) *TXTField {
	f := &TXTField{Pos: l.pos(n)}
	report := func(problems []dmarc.Problem, at func(tag string) (*yaml.Node, string)) {
		for _, pr := range problems {
			node, fld := at(pr.Term)
			d := Diagnostic{Pos: l.pos(node), Field: fld, Severity: Error, Msg: pr.Error()}
			if pr.Severity == dmarc.Warning {
				d.Severity = Warning
			}
			l.add(d)
		}
	}
	if n.Kind == yaml.ScalarNode {
		s, ok := l.str(n, field)
		if !ok {
			return nil
		}
		rec, problems := dmarc.Parse(s)
		report(problems, func(string) (*yaml.Node, string) { return n, field })
		if rec != nil {
			f.Text = rec.String()
			if parked {
				if p, _ := rec.Get("p"); p != "reject" {
					l.errorf(n, field, "a parked domain (mail: none) publishes p=reject")
				}
			}
		}
		return f
	}
	var spec dmarc.Spec
	nodes := map[string]*yaml.Node{}
	var rolloutNode *yaml.Node
	var rolloutField string
	keys := []string{"delete", "rollout"}
	for k := range dmarcKeys {
		keys = append(keys, k)
	}
	for _, p := range l.fields(n, field, keys...) {
		if p.key == "rollout" {
			rolloutNode, rolloutField = p.v, p.field
			continue
		}
		nodes[dmarcKeys[p.key]] = p.v
		switch p.key {
		case "policy":
			spec.Policy, _ = l.str(p.v, p.field)
		case "subdomain_policy":
			spec.SubdomainPolicy, _ = l.str(p.v, p.field)
		case "nonexistent_policy":
			spec.NonexistentPolicy, _ = l.str(p.v, p.field)
		case "adkim":
			spec.ADKIM, _ = l.str(p.v, p.field)
		case "aspf":
			spec.ASPF, _ = l.str(p.v, p.field)
		case "rua":
			spec.RUA, _ = l.strs(p.v, p.field)
		case "ruf":
			spec.RUF, _ = l.strs(p.v, p.field)
		case "fo":
			spec.FO, _ = l.str(p.v, p.field)
		case "testing":
			spec.Testing, _ = l.boolean(p.v, p.field)
		case "psd":
			spec.PSD, _ = l.str(p.v, p.field)
		// pct, rf and ri were removed by RFC 9989: a bad value is a warning,
		// and the tag is then left out of the record.
		case "pct":
			if v, err := strconv.ParseUint(resolve(p.v).Value, 10, 8); err == nil && v <= 100 {
				i := int(v)
				spec.PCT = &i
			} else {
				l.warnf(p.v, p.field, "pct was removed by RFC 9989 and %q is not a whole number 0-100 either; it is left out of the record: remove it", short(resolve(p.v).Value))
			}
		case "rf":
			if v, _ := l.str(p.v, p.field); strings.EqualFold(v, "afrf") {
				spec.RF = v
			} else {
				l.warnf(p.v, p.field, "rf was removed by RFC 9989 and %q is not afrf either; it is left out of the record: remove it", short(v))
			}
		case "ri":
			if v, err := strconv.ParseUint(resolve(p.v).Value, 10, 31); err == nil {
				i := int(v)
				spec.RI = &i
			} else {
				l.warnf(p.v, p.field, "ri was removed by RFC 9989 and %q is not a whole number of seconds either; it is left out of the record: remove it", short(resolve(p.v).Value))
			}
		case "delete":
			if b, _ := l.boolean(p.v, p.field); b {
				f.Absent = true
				return f
			}
		}
	}
	if parked {
		if spec.Policy != "" && spec.Policy != "reject" {
			l.errorf(nodes["p"], field+".policy", "a parked domain (mail: none) publishes p=reject, not %s", spec.Policy)
		}
		spec.Policy, spec.SubdomainPolicy = "reject", "reject"
	}
	if spec.Policy == "" {
		l.errorf(n, field+".policy", "missing; one of none, quarantine, reject")
		return nil
	}
	f.Text = spec.Render()
	if rolloutNode != nil {
		if parked {
			l.errorf(rolloutNode, rolloutField, "a parked domain (mail: none) publishes p=reject at once; remove rollout")
		} else if _, known := strictness[spec.Policy]; known {
			f.Rollout = l.rollout(rolloutNode, rolloutField, spec)
		}
	}
	tagKey := map[string]string{}
	for k, t := range dmarcKeys {
		tagKey[t] = k
	}
	report(spec.Check(), func(tag string) (*yaml.Node, string) {
		t := strings.ToLower(tag)
		if i := strings.IndexAny(t, "=:"); i > 0 {
			t = t[:i]
		}
		if nodes[t] != nil {
			return nodes[t], field + "." + tagKey[t]
		}
		return n, field
	})
	return f
}
