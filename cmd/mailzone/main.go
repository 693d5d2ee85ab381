// Command mailzone keeps the mail-authentication DNS records of many domains (MX,
// SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI) as a YAML desired state and makes DNS
// providers match it. See the README for the commands.
//
// MAILZONE_CPUPROFILE=FILE writes a CPU profile of the run to FILE, for
// `go tool pprof` (see Development in the README).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/mailzone/mailzone/cli"
)

func main() {
	if path := os.Getenv("MAILZONE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mailzone: MAILZONE_CPUPROFILE: %v\n", err)
			os.Exit(cli.ExitError)
		}
		pprof.StartCPUProfile(f)
		code := cli.Main(os.Args[1:], cli.System())
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(cli.Main(os.Args[1:], cli.System()))
}
