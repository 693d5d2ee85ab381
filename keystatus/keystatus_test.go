package keystatus

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/mailzone/mailzone/verify"
)

// TestServedEverywhere reads one record's column: served only when every
// address asked answers ok, with each other address named and what it said.
func TestServedEverywhere(t *testing.T) {
	row := func(ns, addr string, c verify.Cell) verify.Row {
		return verify.Row{Nameserver: ns, Addr: addr, Cells: []verify.Cell{{State: verify.StateOK}, c}}
	}
	res := &verify.Result{Rows: []verify.Row{
		row("ns1.dnshost.example.net.", "192.0.2.53:53", verify.Cell{State: verify.StateOK}),
		row("ns2.dnshost.example.net.", "[2001:db8::53]:53", verify.Cell{State: verify.StateSkipped}),
		row("ns3.dnshost.example.net.", "198.51.100.53:53", verify.Cell{State: verify.StateStale, Served: "nothing (NXDOMAIN)"}),
		row("ns4.dnshost.example.net.", "203.0.113.53:53", verify.Cell{State: verify.StateError, Err: "timeout"}),
	}}
	ok, stale := servedEverywhere(res, 1)
	want := []string{
		"ns3.dnshost.example.net. (198.51.100.53:53) serves nothing (NXDOMAIN)",
		"ns4.dnshost.example.net. (203.0.113.53:53): timeout",
	}
	if ok || !slices.Equal(stale, want) {
		t.Errorf("served %v, stale %q", ok, stale)
	}
	if ok, _ := servedEverywhere(&verify.Result{Rows: res.Rows[:2]}, 1); !ok {
		t.Error("ok and skipped: not served")
	}
	if ok, _ := servedEverywhere(&verify.Result{Rows: res.Rows[1:2]}, 1); ok {
		t.Error("only skipped addresses: served")
	}
}

// TestWriteTextHostile: names from the configuration reach the terminal
// escaped.
func TestWriteTextHostile(t *testing.T) {
	var b bytes.Buffer
	WriteText(&b, []Status{{Domain: "contoso.com", Selector: "s1\n::error::pwned\x1b[31m", Kind: "key", State: "pending", Reasons: []string{"why\r\n::warning::x"}}})
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") || strings.ContainsAny(line, "\r\x1b") {
			t.Errorf("unescaped line %q", line)
		}
	}
}
