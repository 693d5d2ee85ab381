// Command mailzone keeps the mail-authentication DNS records of many domains (MX,
// SPF, DKIM, DMARC, MTA-STS, TLS-RPT, BIMI) as a YAML desired state and makes DNS
// providers match it. See the README for the commands.
package main

import (
	"os"

	"github.com/mailzone/mailzone/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.System()))
}
