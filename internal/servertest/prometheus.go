package servertest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Prometheus starts a Prometheus server (Debian's prometheus package) on
// 127.0.0.1 that scrapes only target ("127.0.0.1:PORT", path /metrics)
// every second, and returns it; it is stopped when the test ends. Its
// configuration, TSDB and log (stderr.log) live in Server.Dir; its HTTP API
// is at Server.URL()+"/api/v1/". Like Nginx and Apache it skips the test in
// -short mode or when prometheus is not installed (failing with CI=true),
// and fails the test when target is not a loopback address.
func Prometheus(t testing.TB, target string, opts ...Option) *Server {
	t.Helper()
	return start(t, prometheusFlavor(), target, opts)
}

func prometheusFlavor() flavor {
	return flavor{
		kind:   "prometheus",
		binary: "prometheus",
		build: func(target string, data TemplateData, o *options) (string, error) {
			host, port, err := net.SplitHostPort(target)
			if err != nil || port == "" {
				return "", fmt.Errorf("scrape target %q: want 127.0.0.1:PORT", target)
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return "", fmt.Errorf("scrape target %q: not a loopback address", target)
			}
			return prometheusConf(target, data.Addr), nil
		},
		// Prometheus has no syntax-test switch of its own; --version at
		// least proves the binary runs. A bad configuration makes the
		// server exit, which waitReady reports with the log.
		testArgs: func(dir, conf string) []string { return []string{"--version"} },
		runArgs: func(dir, conf string) []string {
			return []string{
				"--config.file=" + conf,
				"--storage.tsdb.path=" + filepath.Join(dir, "data"),
				"--web.listen-address=" + listenFromConf(conf),
				"--log.level=info",
			}
		},
		env:      func(string, *options) []string { return nil },
		errorLog: "stderr.log",
		access:   "stderr.log",
		subdirs:  []string{"data"},
	}
}

// listenMark starts the comment line through which the configuration
// carries the server's own listen address to runArgs.
const listenMark = "# why401-servertest listen: "

// prometheusConf is a configuration that scrapes target every second; its
// first line records the address Prometheus itself listens on.
func prometheusConf(target, listen string) string {
	var b strings.Builder
	b.WriteString(listenMark + listen + "\n")
	b.WriteString("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n")
	b.WriteString("scrape_configs:\n  - job_name: why401\n    scrape_interval: 1s\n    scrape_timeout: 1s\n")
	fmt.Fprintf(&b, "    static_configs:\n      - targets: [%q]\n", target)
	return b.String()
}

// listenFromConf reads the listen address prometheusConf recorded in conf;
// "127.0.0.1:0" (which makes the start fail visibly) when it cannot.
func listenFromConf(conf string) string {
	data, err := os.ReadFile(conf)
	if err != nil {
		return "127.0.0.1:0"
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if addr, ok := strings.CutPrefix(first, listenMark); ok {
		return addr
	}
	return "127.0.0.1:0"
}
