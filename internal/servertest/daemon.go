package servertest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startDaemon starts cmd (a server that stays in the foreground) with its
// output in dir/out, stops it when the test ends (SIGTERM, then SIGKILL to
// its process group after 5 s), and waits until it accepts TCP connections
// on 127.0.0.1:port. If it exits first, the test fails with its output and
// the contents of the files in logs.
func startDaemon(t testing.TB, name string, cmd *exec.Cmd, dir, out string, port int, logs ...string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, out))
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("servertest: starting %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", loopbackAddr(port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, out))
			for _, l := range logs {
				x, _ := os.ReadFile(filepath.Join(dir, l))
				b = append(b, x...)
			}
			t.Fatalf("servertest: %s exited: %s", name, b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("servertest: %s does not listen on %s", name, loopbackAddr(port))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
