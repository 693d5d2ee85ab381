// Command zoneparse is the floor a zone-file plan is measured against: it
// reads every zone file of a directory with github.com/miekg/dns's
// ZoneParser, -parallel files at a time, and prints the wall time. It
// builds nothing and compares nothing.
//
//	go run ./bench/zoneparse -parallel 2 /tmp/fleet/zones
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

func main() {
	parallel := flag.Int("parallel", 2, "files read at once")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("zoneparse: name the zone directory")
	}
	files, err := filepath.Glob(filepath.Join(flag.Arg(0), "*.zone"))
	if err != nil || len(files) == 0 {
		log.Fatalf("zoneparse: no zone files in %s", flag.Arg(0))
	}
	start := time.Now()
	var next, rrs atomic.Int64
	var wg sync.WaitGroup
	for range *parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				f, err := os.Open(files[i])
				if err != nil {
					log.Fatal(err)
				}
				zp := dns.NewZoneParser(f, "", files[i])
				for _, ok := zp.Next(); ok; _, ok = zp.Next() {
					rrs.Add(1)
				}
				if err := zp.Err(); err != nil {
					log.Fatal(err)
				}
				f.Close()
			}
		})
	}
	wg.Wait()
	fmt.Printf("%d files, %d records: %.3fs\n", len(files), rrs.Load(), time.Since(start).Seconds())
}
