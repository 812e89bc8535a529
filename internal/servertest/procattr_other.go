//go:build !linux

package servertest

import "syscall"

// procAttr puts the server in its own process group, so Stop can kill
// master and workers together.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
