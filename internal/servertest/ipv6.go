package servertest

import (
	"fmt"
	"strconv"
	"strings"
)

// nginxLoopbackListen accepts what loopbackListen does and, for nginx,
// the IPv6 loopback [::1] with an explicit port, so a test can serve one
// name differently over IPv4 and IPv6 without leaving the machine.
func nginxLoopbackListen(addr string) error {
	rest, ok := strings.CutPrefix(addr, "[::1]:")
	if !ok {
		return loopbackListen(addr)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("listen %s: bad port", addr)
	}
	return nil
}
