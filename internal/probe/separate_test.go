package probe

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/why401/why401/internal/evidence"
)

// madeUp reports whether an Authorization value is one of the Separate
// variants' made-up ones.
func madeUp(a string) bool {
	if strings.Contains(a, "why401") {
		return true
	}
	scheme, rest, _ := strings.Cut(a, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return false
	}
	b, _ := base64.StdEncoding.DecodeString(rest)
	return strings.HasPrefix(string(b), "why401-")
}

// TestSeparate: when the credentials get the anonymous answer, the probe
// sends a malformed header, one of another scheme and made-up credentials
// of the same scheme, once each, none of them the user's and none
// counted; when the answers differ, or the server wants another scheme,
// it sends none.
func TestSeparate(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:wrong", NoDiscovery: true})
	ts := trialsOf(p, evidence.Separate)
	if len(ts) != 3 || p.CredentialedAttempts != 1 {
		t.Fatalf("%d separate trials, %d attempts", len(ts), p.CredentialedAttempts)
	}
	want := map[string]string{SepMalformed: "Basic why401!", SepOtherScheme: "Bearer why401-", SepWrong: "Basic "}
	for _, tr := range ts {
		a := tr.Hops[0].Request.Header.Get("Authorization")
		if tr.Credentialed || !strings.HasPrefix(a, want[tr.Label]) || !madeUp(a) || strings.Contains(a, basicAuthorization("alice:wrong")) {
			t.Errorf("%s: %q, credentialed %v", tr.Label, a, tr.Credentialed)
		}
	}
	if n := len(rc.withAuth()); n != 1 {
		t.Errorf("the user's credentials went %d times", n)
	}
	// Bearer: a made-up token and a made-up Basic.
	p = probeRun(t, Options{URL: s.URL + "/", Bearer: "tok", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Separate)); n != 0 {
		t.Errorf("Bearer to a Basic realm: %d separate trials (the scheme explains it)", n)
	}
	bare, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		w.Write([]byte(`{"error":"unauthorized"}`))
	}))
	p = probeRun(t, Options{URL: bare.URL + "/", Bearer: "tok", NoDiscovery: true})
	labels := ""
	for _, tr := range trialsOf(p, evidence.Separate) {
		labels += tr.Label + ";"
	}
	if labels != SepMalformed+";"+SepOtherScheme+";"+SepWrong+";" {
		t.Errorf("bearer without a challenge: %q", labels)
	}
	// The right password: no experiment.
	p = probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Separate)); n != 0 {
		t.Errorf("success: %d separate trials", n)
	}
}
