package cli

// The provider types the command line knows; each registers itself.
import (
	_ "github.com/mailzone/mailzone/providers/cloudflare"
	_ "github.com/mailzone/mailzone/providers/manual"
	_ "github.com/mailzone/mailzone/providers/powerdns"
	_ "github.com/mailzone/mailzone/providers/rfc2136"
	_ "github.com/mailzone/mailzone/providers/route53"
	_ "github.com/mailzone/mailzone/providers/zonefile"
)
