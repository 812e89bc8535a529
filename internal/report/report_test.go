package report

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/finding"
)

const (
	password  = "wonderland-secret"
	token     = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
	sidCookie = "sid=cookie-secret-value"
)

func secretProbe() *evidence.Probe {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("Cookie", sidCookie)
	h.Set("X-Api-Key", "api-key-secret")
	basic := http.Header{}
	basic.Set("Authorization", "Basic YWxpY2U6d29uZGVybGFuZC1zZWNyZXQ=") // alice:wonderland-secret
	resp := &evidence.Response{Status: 401, Header: http.Header{"Set-Cookie": {"sid=set-cookie-secret; Path=/; Secure"}, "Www-Authenticate": {`Bearer realm="x"`}}, Received: time.Now()}
	return &evidence.Probe{
		Target:  "https://bob:url-password@api.test/x?access_token=query-secret&page=2",
		Request: evidence.Request{Method: "GET", URL: "https://bob:url-password@api.test/x?access_token=query-secret&page=2", Header: h},
		Trials: []evidence.Trial{
			{Variant: evidence.AsGiven, Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "https://api.test/x?access_token=query-secret", Header: h}, Response: resp}}},
			{Variant: evidence.AnyAuth, Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "https://api.test/x", Header: basic}, Response: resp}}},
		},
		CredentialedAttempts: 2,
	}
}

var secrets = []string{password, token, "c2lnbmF0dXJlLXNlY3JldA", "cookie-secret-value", "api-key-secret", "url-password", "query-secret", "set-cookie-secret", "d29uZGVybGFuZC1zZWNyZXQ"}

func TestNoSecretInAnyFormat(t *testing.T) {
	p := secretProbe()
	fs := finding.Rank([]diagnosis.Finding{{Cause: catalog.CredentialsRejected, Confidence: 0.9, Evidence: []string{"GET https://api.test/x → 401"}}}, finding.Context{})
	r := Build(p, fs, Options{})
	var text, js bytes.Buffer
	if err := WriteText(&text, r, Style{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": js.String()} {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output leaks %q", name, s)
			}
		}
	}
	// With --show-secrets they are there.
	r = Build(p, fs, Options{ShowSecrets: true})
	js.Reset()
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), token) || !strings.Contains(js.String(), "query-secret") {
		t.Error("--show-secrets did not show the token and query secret")
	}
}

func TestVerdicts(t *testing.T) {
	ok := &evidence.Probe{Trials: []evidence.Trial{{Variant: evidence.AsGiven, Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "http://a/"}, Response: &evidence.Response{Status: 200}}}}}}
	if r := Build(ok, nil, Options{}); r.Verdict != OK || !strings.Contains(r.Summary, "nothing is wrong") {
		t.Errorf("200 without findings: %s %q", r.Verdict, r.Summary)
	}
	down := &evidence.Probe{Trials: []evidence.Trial{{Variant: evidence.AsGiven, Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "http://a/"}, Err: "connection refused", ErrKind: "connect"}}}}}
	if r := Build(down, nil, Options{}); r.Verdict != Unreachable {
		t.Errorf("no answer: %s", r.Verdict)
	}
	fs := finding.Rank([]diagnosis.Finding{{Cause: catalog.TLSCertificate, Confidence: 0.95}}, finding.Context{})
	if r := Build(down, fs, Options{}); r.Verdict != Fail {
		t.Errorf("a certificate finding must be a failure, not unreachable: %s", r.Verdict)
	}
	unexplained := &evidence.Probe{Trials: []evidence.Trial{{Variant: evidence.AsGiven, Hops: []evidence.Exchange{{Request: evidence.Request{Method: "GET", URL: "http://a/"}, Response: &evidence.Response{Status: 401}}}}}}
	if r := Build(unexplained, nil, Options{}); r.Verdict != Fail {
		t.Errorf("an unexplained 401 must not be ok: %s", r.Verdict)
	}
	var v map[string]any
	var b bytes.Buffer
	_ = WriteJSON(&b, Build(ok, nil, Options{}))
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if f, ok := v["findings"].([]any); !ok || len(f) != 0 {
		t.Errorf("findings must be an empty array, got %v", v["findings"])
	}
}

func TestReplay(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Basic YWxpY2U6d29uZGVybGFuZA==")
	h.Set("X-Trace", "it's")
	req := evidence.Request{Method: "PUT", URL: "https://api.test/x", Header: h, Body: []byte("a=1"), BodySize: 3}
	got := Replay(req, false)
	want := `curl -v -X PUT -u "alice:$PASSWORD" -H 'X-Trace: it'\''s' --data-raw "$BODY" https://api.test/x`
	if got != want {
		t.Errorf("Replay =\n %s\nwant\n %s", got, want)
	}
	if got := Replay(req, true); !strings.Contains(got, "-u alice:wonderland") || !strings.Contains(got, "--data-raw a=1") {
		t.Errorf("Replay with secrets = %s", got)
	}
}
