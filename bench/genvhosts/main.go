// Command genvhosts writes a hosting-sized nginx or Apache configuration
// for bench/audit.sh: genvhosts -kind nginx -n 50000 -out DIR prints the
// main file's path.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/why401/why401/internal/audit/vhostgen"
)

func main() {
	kind := flag.String("kind", "nginx", "nginx or apache")
	n := flag.Int("n", 1000, "number of virtual hosts")
	out := flag.String("out", "", "directory to write (created)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "genvhosts: -out DIR is required")
		os.Exit(2)
	}
	main, err := vhostgen.Write(*out, *kind, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genvhosts:", err)
		os.Exit(1)
	}
	fmt.Println(main)
}
