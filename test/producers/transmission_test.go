package producers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/probe"
	"github.com/why401/why401/internal/servertest"
)

// TestTransmissionRPC: transmission-daemon's RPC with
// rpc-authentication-required. No credentials and a wrong password get
// 401; the right password without X-Transmission-Session-Id gets 409 with
// the header to send back (its anti-CSRF handshake), which is
// request.csrf-handshake and never a password problem; with the header the
// call succeeds and nothing is reported. After 100 failed logins the RPC
// answers 403 until the daemon restarts: ratelimit.lockout.
func TestTransmissionRPC(t *testing.T) {
	s := servertest.Transmission(t, map[string]any{
		"rpc-authentication-required": true,
		"rpc-username":                "alice",
		"rpc-password":                "secret",
	})
	url := s.URL() + "/transmission/rpc"
	body := `{"method":"session-get"}`
	post := func(user, pass, session string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		if session != "" {
			req.Header.Set("X-Transmission-Session-Id", session)
		}
		return req
	}
	sanity(t, "anonymous", post("", "", ""), 401)
	res := sanity(t, "alice, no session id", post("alice", "secret", ""), 409)
	id := res.Header.Get("X-Transmission-Session-Id")
	sanity(t, "alice with the session id", post("alice", "secret", id), 200)
	sanity(t, "wrong password with the session id", post("alice", "wrong", id), 401)

	r := run(t, probe.Options{URL: url, Data: []byte(body), User: "alice:secret"})
	expect(t, r, "Transmission", catalog.RequestCSRFHandshake)
	if r.Status != 409 {
		t.Errorf("status %d, want 409", r.Status)
	}
	for _, f := range r.Findings {
		if f.Cause == catalog.CredentialsRejected || f.Cause == catalog.CredentialsMissing {
			t.Errorf("the accepted password is called a credentials problem: %s %q", f.Cause, f.Text())
		}
	}
	expect(t, run(t, probe.Options{URL: url, Data: []byte(body), User: "alice:wrong"}), "Transmission", catalog.CredentialsRejected)

	// Control: the client sends the session header back.
	ok := run(t, probe.Options{URL: url, Data: []byte(body), User: "alice:secret", Header: http.Header{"X-Transmission-Session-Id": {id}}})
	if ok.Status != 200 || len(ok.Findings) != 0 {
		t.Errorf("control: status %d, findings %v", ok.Status, ok.Findings)
	}

	// After 100 failed logins the RPC is locked until a restart.
	for range 100 {
		res, err := http.DefaultClient.Do(post("alice", "wrong", id))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	sanity(t, "locked out", post("alice", "secret", id), 403)
	expect(t, run(t, probe.Options{URL: url, Data: []byte(body), User: "alice:secret", Header: http.Header{"X-Transmission-Session-Id": {id}}}), "Transmission", catalog.RateLimitLockout)
}
