package probe

import (
	"net/http"
	"strings"
	"testing"

	"github.com/why401/why401/internal/evidence"
)

// TestDigestAnswersTheChallenge: with --digest the request as given goes
// without credentials, and the 401's challenge is answered once on the
// same URL (RFC 7616: MD5, SHA-256, -sess, qop auth, auth-int and none),
// counted as one credentialed attempt; stale=true earns exactly one more
// answer with the new nonce.
func TestDigestAnswersTheChallenge(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    digestConf
		data string
	}{
		{"MD5", digestConf{alg: "MD5", qop: "auth"}, ""},
		{"SHA-256", digestConf{alg: "SHA-256", qop: "auth"}, ""},
		{"MD5-sess", digestConf{alg: "MD5-sess", qop: "auth"}, ""},
		{"SHA-256-sess", digestConf{alg: "SHA-256-sess", qop: "auth"}, ""},
		{"auth-int", digestConf{alg: "SHA-256", qop: "auth-int"}, `{"a":1}`},
		{"auth-or-auth-int", digestConf{alg: "MD5", qop: "auth,auth-int"}, "x=1"},
		{"RFC 2069 (no qop)", digestConf{alg: "MD5"}, ""},
		{"userhash", digestConf{alg: "SHA-256", qop: "auth", userhash: true}, ""},
		{"stale", digestConf{alg: "SHA-256", qop: "auth", stale: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, rc := serve(t, digestWall(t, tt.c))
			o := Options{URL: s.URL + "/dir/index.html?q=1", User: "alice:secret", HTTPAuth: "digest", NoDiscovery: true}
			if tt.data != "" {
				o.Data, o.HasData = []byte(tt.data), true
			}
			p := probeRun(t, o)
			ag := one(t, p, evidence.AsGiven)
			answers := 1
			if tt.c.stale {
				answers = 2
			}
			if status(t, ag) != 200 || len(ag.Hops) != 1+answers || !ag.Credentialed {
				t.Fatalf("as given: %d hops, final %+v", len(ag.Hops), ag.Final().Response)
			}
			if a := ag.Hops[0].Request.Header.Get("Authorization"); a != "" {
				t.Errorf("first request carried %q; --digest waits for the challenge", a)
			}
			for _, h := range ag.Hops[1:] {
				if h.Answers != "Digest" || h.Request.Method != ag.Hops[0].Request.Method {
					t.Errorf("answer hop: answers %q, method %s", h.Answers, h.Request.Method)
				}
			}
			if tt.c.stale && !hasNote(p, "stale=true") {
				t.Errorf("notes %q", p.Notes)
			}
			// The server sees each credentialed request the probe counts.
			if n := len(rc.withAuth()); n != p.CredentialedAttempts {
				t.Errorf("server saw %d credentialed requests, the probe counted %d", n, p.CredentialedAttempts)
			}
			if p.Request.Auth != "digest" || p.Request.AuthUser != "alice" {
				t.Errorf("request as given: auth %q user %q", p.Request.Auth, p.Request.AuthUser)
			}
		})
	}
}

// TestDigestWrongPassword: a refused answer is not answered again (only
// stale=true is), so a wrong password costs one credentialed attempt.
func TestDigestWrongPassword(t *testing.T) {
	s, rc := serve(t, digestWall(t, digestConf{alg: "SHA-256", qop: "auth", stale: true}))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:wrong", HTTPAuth: "digest", NoDiscovery: true})
	ag := one(t, p, evidence.AsGiven)
	if status(t, ag) != 401 || len(ag.Hops) != 2 {
		t.Fatalf("%d hops, status %d", len(ag.Hops), status(t, ag))
	}
	if got := len(rc.withAuth()); got != p.CredentialedAttempts {
		t.Errorf("server saw %d credentialed, probe counted %d", got, p.CredentialedAttempts)
	}
}

// TestAnyAuthAndBasic: --anyauth answers a Basic-only challenge with
// Basic and prefers Digest when both are offered; --basic sends at once;
// a 401 without a challenge, or with one --digest cannot answer, gets no
// credentials and a note saying so.
func TestAnyAuthAndBasic(t *testing.T) {
	s, _ := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", HTTPAuth: "anyauth", NoDiscovery: true})
	ag := one(t, p, evidence.AsGiven)
	if status(t, ag) != 200 || len(ag.Hops) != 2 || ag.Hops[1].Answers != "Basic" {
		t.Fatalf("anyauth on Basic: %d hops, final %d", len(ag.Hops), status(t, ag))
	}
	p = probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", HTTPAuth: "digest", NoDiscovery: true})
	ag = one(t, p, evidence.AsGiven)
	if status(t, ag) != 401 || len(ag.Hops) != 1 || ag.Credentialed || !hasNote(p, "--digest: the 401 offers Basic") {
		t.Errorf("digest on Basic: %d hops, notes %q", len(ag.Hops), p.Notes)
	}
	p = probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", HTTPAuth: "basic", NoDiscovery: true})
	ag = one(t, p, evidence.AsGiven)
	if status(t, ag) != 200 || len(ag.Hops) != 1 || !strings.HasPrefix(ag.Hops[0].Request.Header.Get("Authorization"), "Basic ") {
		t.Errorf("basic: %d hops", len(ag.Hops))
	}

	wall := digestServer(t, "MD5", false)
	both, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
			t.Error("anyauth answered Basic though Digest was offered")
		}
		w.Header().Add("WWW-Authenticate", `Basic realm="r"`)
		wall(w, r)
	}))
	p = probeRun(t, Options{URL: both.URL + "/", User: "alice:secret", HTTPAuth: "anyauth", NoDiscovery: true})
	if ag = one(t, p, evidence.AsGiven); status(t, ag) != 200 || ag.Final().Answers != "Digest" {
		t.Errorf("anyauth with Basic and Digest offered: %d, answers %q", status(t, ag), ag.Final().Answers)
	}
	bare, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }))
	p = probeRun(t, Options{URL: bare.URL + "/", User: "alice:secret", HTTPAuth: "anyauth", NoDiscovery: true})
	if !hasNote(p, "no WWW-Authenticate challenge") || p.CredentialedAttempts != 0 {
		t.Errorf("no challenge: attempts %d, notes %q", p.CredentialedAttempts, p.Notes)
	}
	if _, err := (&Options{URL: "http://x/", HTTPAuth: "kerberos"}).compile(); err == nil || !strings.Contains(err.Error(), "unknown authentication") {
		t.Errorf("bad scheme: %v", err)
	}
}
