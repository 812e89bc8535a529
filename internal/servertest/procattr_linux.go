package servertest

import "syscall"

// procAttr puts the server in its own process group, so Stop can kill
// master and workers together, and asks the kernel to send it SIGTERM if
// the test process dies without running its cleanups.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
