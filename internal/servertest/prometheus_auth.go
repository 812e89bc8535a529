package servertest

import (
	"os"
	"path/filepath"
	"testing"
)

// PrometheusWeb starts Prometheus like Prometheus, scraping itself, with
// webConfig (a template, see TemplateData) as its --web.config.file: the
// YAML of the exporter-toolkit web configuration, such as
//
//	basic_auth_users:
//	  alice: $2y$10$...   # a bcrypt hash
//
// A web configuration Prometheus refuses makes the start fail with its log.
func PrometheusWeb(t testing.TB, webConfig string, opts ...Option) *Server {
	t.Helper()
	fl := prometheusFlavor()
	fl.build = func(fragment string, data TemplateData, o *options) (string, error) {
		web, err := render("web config", fragment, data)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(data.Dir, "web.yml"), []byte(web), 0o644); err != nil {
			return "", err
		}
		return prometheusConf(data.Addr, data.Addr), nil
	}
	run := fl.runArgs
	fl.runArgs = func(dir, conf string) []string {
		return append(run(dir, conf), "--web.config.file="+filepath.Join(dir, "web.yml"))
	}
	return start(t, fl, webConfig, opts)
}
