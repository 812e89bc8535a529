// Command why401 finds out why an HTTP request gets 401 Unauthorized and
// says how to fix it. See `why401 --help`.
package main

import (
	"os"

	"github.com/why401/why401/internal/cmd/root"
)

func main() { os.Exit(root.Main(os.Args[1:])) }
