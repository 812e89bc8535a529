package lab_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/why401/why401/internal/checklist"
	"github.com/why401/why401/internal/lab"
)

// TestEcho: /echo describes what reached it in the shape `why401 check`
// reads, fingerprints Authorization instead of echoing it, and needs no
// credentials.
func TestEcho(t *testing.T) {
	l, err := lab.New(lab.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	h := l.Handler()
	const auth = "Bearer secret-token-value"
	for _, path := range []string{"/echo", "/echo/deeper/path"} {
		req := httptest.NewRequest(http.MethodPost, "http://app.example/"+strings.TrimPrefix(path, "/"), nil)
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "www.example.com")
		req.Header.Set("Forwarded", "proto=https;host=www.example.com")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %v", path, rec.Code, rec.Header())
		}
		if strings.Contains(rec.Body.String(), "secret-token-value") {
			t.Errorf("%s echoes the secret: %s", path, rec.Body)
		}
		var e checklist.Echo
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Echo != "why401" || e.Method != "POST" || e.Path != path || e.Host != "app.example" ||
			!e.Authorization.Present || e.Authorization.Scheme != "Bearer" || e.Authorization.Length != len(auth) ||
			e.Authorization.SHA256 != checklist.Fingerprint(auth) ||
			e.ForwardedProto != "https" || e.ForwardedHost != "www.example.com" || e.Forwarded != "proto=https;host=www.example.com" {
			t.Errorf("%s: %+v", path, e)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/echo", nil))
	var e checklist.Echo
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Authorization.Present || e.Authorization.SHA256 != "" || e.ForwardedProto != "" {
		t.Errorf("bare request: %v %+v", err, e)
	}
}
