package cli

import (
	"flag"
	"fmt"
)

// dkimExport is `mailzone dkim export`: its flags, then session.Session.Export.
func (r *run) dkimExport(args []string) int {
	fs := flag.NewFlagSet("dkim export", flag.ContinueOnError)
	f, vf := fleetVerifyFlags(fs)
	format := fs.String("format", "opendkim", "opendkim (KeyTable, SigningTable) or rspamd (dkim_signing maps)")
	keyDir := fs.String("key-dir", "keys", "directory of the private keys, relative to the configuration file")
	pos, err := parse(fs, args)
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("name the directory to write the tables to")
	}
	if err == nil {
		err = oneOf(*format, "opendkim", "rspamd")
	}
	if err != nil {
		return r.usageError("dkim export", err)
	}
	return r.s.Export(*f, *vf, *format, *keyDir, pos[0])
}
