package cli

// The provider types the command line knows; each registers itself.
import (
	_ "github.com/mailzone/mailzone/providers/zonefile"
)
