package logsreal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/cli"
	logscmd "github.com/why401/why401/internal/cmd/logs"
	"github.com/why401/why401/internal/servertest"
)

// TestMetricsScrapedByPrometheus runs `why401 logs --follow --metrics`
// on a growing log and lets a real Prometheus (Debian's prometheus)
// scrape it, then checks the values through Prometheus's query API.
func TestMetricsScrapedByPrometheus(t *testing.T) {
	dir := servertest.TempDir(t)
	logPath := filepath.Join(dir, "access.log")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", servertest.FreePort(t))
	prom := servertest.Prometheus(t, metricsAddr)
	ctx, cancel := context.WithCancel(context.Background())
	ios := &cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	cmd := logscmd.NewCmdLogs(&cli.Factory{IO: ios, Now: time.Now}, nil)
	cmd.SetArgs([]string{"--follow", "--from-start", "--metrics", metricsAddr, "--challenge-window", "300ms", "--interval", "200ms", logPath})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("why401 logs --follow: %v", err)
		}
	})

	// A brute force and some forbidden answers, written now.
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	stamp := now.Format("02/Jan/2006:15:04:05 -0700")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(f, "203.0.113.10 - admin [%s] \"POST /login HTTP/1.1\" 401 10 \"-\" \"python-requests/2.31\"\n", stamp)
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(f, "10.0.0.7 - - [%s] \"GET /admin/x HTTP/1.1\" 403 10 \"-\" \"curl/8\"\n", stamp)
	}
	f.Close()

	query := func(q string) (float64, bool) {
		resp, err := http.Get(prom.URL() + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var body struct {
			Status string `json:"status"`
			Data   struct {
				Result []struct {
					Value []any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&body) != nil || body.Status != "success" || len(body.Data.Result) != 1 {
			return 0, false
		}
		s, _ := body.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	expect := map[string]float64{
		`up{job="why401"}`: 1,
		`sum(why401_log_failures_total{status="401"})`:                     40,
		`why401_log_failures_total{status="403",cause="status.forbidden"}`: 3,
		`why401_log_attack_sources{cause="attack.brute-force"}`:            1,
		`why401_log_lines_total`:                                           43,
		`why401_log_findings{cause="attack.brute-force"}`:                  1,
	}
	deadline := time.Now().Add(60 * time.Second)
	for q, want := range expect {
		for {
			v, ok := query(q)
			if ok && v == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("prometheus: %s = %v (ok %v), want %v", q, v, ok, want)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// TestAlertRules checks docs/logs-alerts.yml with promtool: syntax, and
// the unit tests in docs/logs-alerts.test.yml.
func TestAlertRules(t *testing.T) {
	promtool := servertest.Require(t, "promtool")
	docs, err := filepath.Abs("../../docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check", "rules", "logs-alerts.yml"},
		{"test", "rules", "logs-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = docs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
