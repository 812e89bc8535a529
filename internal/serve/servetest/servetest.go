// Package servetest runs `why401 serve`'s handler for tests: on a free
// loopback port, the commands run in process, closed when the test ends.
package servetest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"testing"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/serve"
)

// Start runs a server with cfg on a loopback port and returns it with
// its base URL (cfg.Addr is what the server believes it listens on: a
// non-loopback one makes it exposed). The rate limit is lifted unless
// cfg sets one, and cfg.Runner defaults to root.Exec.
func Start(t testing.TB, cfg serve.Config) (*serve.Server, string) {
	t.Helper()
	if cfg.Runner == nil {
		cfg.Runner = root.Exec
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute, cfg.Burst = 6000, 1000
	}
	s, err := serve.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer()
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return s, "http://" + ln.Addr().String()
}

// Client returns a client with a cookie jar that has loaded the page at
// base, and the page's CSRF token for its forms.
func Client(t testing.TB, base string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token in the page")
	}
	return c, string(m[1])
}

// Multipart encodes a form's fields and, when file is not empty, a file
// (field "file", named flow.har) as multipart/form-data; it returns the
// content type and the body.
func Multipart(fields map[string]string, file string) (string, *bytes.Buffer) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "flow.har")
		fw.Write([]byte(file))
	}
	mw.Close()
	return mw.FormDataContentType(), &b
}
