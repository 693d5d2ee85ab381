// Command mailzone keeps the mail-authentication DNS records of many domains (MX,
// SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI) as a YAML desired state and makes DNS
// providers match it. See the README for the commands.
//
// MAILZONE_CPUPROFILE=FILE writes a CPU profile of the run to FILE, and
// MAILZONE_MEMPROFILE=FILE a profile of its allocations, for `go tool pprof`
// (see Development in the README).
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/mailzone/mailzone/cli"
)

// gcPercent is the collector's target when GOGC is not set: the heap may
// grow 70% past what is live between collections instead of 100%. A plan over
// 10,000 zone files then peaks at 83–96 MB instead of 91–112 MB, and is no
// slower: fewer fresh pages to fault in pay for the extra collections
// (scripts/bench-zonefiles; README, Fleets).
const gcPercent = 70

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if path := os.Getenv("MAILZONE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mailzone: MAILZONE_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitError)
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	code := cli.Main(os.Args[1:], cli.System())
	if path := os.Getenv("MAILZONE_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}
