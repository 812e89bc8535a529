package probe

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/why401/why401/internal/evidence"
	"github.com/why401/why401/internal/lab"
)

// ntlmWall is an NTLM server in the way IIS is one: it answers a
// negotiate message with a challenge and accepts an authenticate message
// only on the connection the challenge went out on. closeAfter makes it
// close the connection after the challenge, as a server or proxy without
// keep-alive does.
type ntlmWall struct {
	closeAfter bool
	mu         sync.Mutex
	challenged map[string]bool // remote addresses challenged
	bodies     []int           // body length of each request with Authorization
}

func (s *ntlmWall) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "NTLM ")
	msg, _ := base64.StdEncoding.DecodeString(tok)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ok {
		s.bodies = append(s.bodies, len(b))
	}
	switch {
	case ok && len(msg) > 12 && msg[8] == 1:
		s.challenged[r.RemoteAddr] = true
		if s.closeAfter {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("WWW-Authenticate", "NTLM "+base64.StdEncoding.EncodeToString(lab.NTLMChallenge("WHY401")))
		w.WriteHeader(http.StatusUnauthorized)
	case ok && len(msg) > 12 && msg[8] == 3 && s.challenged[r.RemoteAddr]:
		io.WriteString(w, "welcome\n")
	default:
		w.Header().Set("WWW-Authenticate", "NTLM")
		w.WriteHeader(http.StatusUnauthorized)
	}
}

// TestNTLMHandshake: --ntlm sends the negotiate message on the first
// request (with an empty body, as curl does), answers the challenge on
// the same connection with the body, and counts the authenticate message
// as the one credentialed attempt; the handshake broken by a closed
// connection is recorded as such.
func TestNTLMHandshake(t *testing.T) {
	wall := &ntlmWall{challenged: map[string]bool{}}
	s, _ := serve(t, wall)
	p := probeRun(t, Options{URL: s.URL + "/files", User: `WHY401\bob:pw`, HTTPAuth: "ntlm", Data: []byte("a=1"), NoDiscovery: true})
	ag := one(t, p, evidence.AsGiven)
	if status(t, ag) != 200 || len(ag.Hops) != 2 || ag.Hops[1].Answers != "NTLM" || !ag.Hops[1].Reused || !ag.Credentialed {
		t.Fatalf("as given: %d hops, final %+v", len(ag.Hops), ag.Final())
	}
	if p.NTLM == nil || p.NTLM.Handshakes != 1 || p.NTLM.Problem != "" || p.NTLM.ServerDomain != "WHY401" || p.NTLM.User != `WHY401\bob` {
		t.Errorf("ntlm evidence %+v", p.NTLM)
	}
	if p.CredentialedAttempts != 1 {
		t.Errorf("%d credentialed attempts, want 1 (the authenticate message)", p.CredentialedAttempts)
	}
	if len(wall.bodies) < 2 || wall.bodies[0] != 0 || wall.bodies[1] != 3 {
		t.Errorf("bodies of the legs %v, want [0 3 ...]", wall.bodies)
	}
	if p.Request.Auth != "ntlm" || !strings.Contains(strings.Join(p.Credentials, ","), "ntlm") {
		t.Errorf("request as given: auth %q, credentials %v", p.Request.Auth, p.Credentials)
	}

	// Over https the answer goes on the TLS connection of the challenge,
	// HTTP/1.1, and keeps its handshake's evidence.
	ts := httptest.NewUnstartedServer(&ntlmWall{challenged: map[string]bool{}})
	ts.EnableHTTP2 = true
	ts.Config.ErrorLog = quietLog
	ts.StartTLS()
	t.Cleanup(ts.Close)
	p = probeRun(t, Options{URL: ts.URL + "/files", User: `WHY401\bob:pw`, HTTPAuth: "ntlm", Insecure: true, NoDiscovery: true})
	ag = one(t, p, evidence.AsGiven)
	if f := ag.Final(); status(t, ag) != 200 || !f.Reused || f.TLS == nil || f.Response.Proto != "HTTP/1.1" {
		t.Errorf("https: status %d, final %+v", status(t, ag), f)
	}

	closing := &ntlmWall{closeAfter: true, challenged: map[string]bool{}}
	s2, _ := serve(t, closing)
	p = probeRun(t, Options{URL: s2.URL + "/files", User: `WHY401\bob:pw`, HTTPAuth: "ntlm", NoDiscovery: true})
	ag = one(t, p, evidence.AsGiven)
	if status(t, ag) != 401 || p.NTLM == nil || p.NTLM.Problem != "connection-closed" || ag.Hops[1].Reused {
		t.Errorf("closing server: status %d, ntlm %+v", status(t, ag), p.NTLM)
	}
}

// TestNTLMOptions: --ntlm needs a user; without one the options are
// refused in one line.
func TestNTLMOptions(t *testing.T) {
	err := (&Options{URL: "http://a.test/", HTTPAuth: "ntlm"}).Validate()
	if err == nil || !strings.Contains(err.Error(), "--ntlm: needs -u") {
		t.Errorf("err %v", err)
	}
	err = (&Options{URL: "http://a.test/", HTTPAuth: "negotiate", NoLocalFiles: true}).Validate()
	if err == nil || !strings.Contains(err.Error(), "ticket cache") {
		t.Errorf("serve: err %v", err)
	}
}

// TestNegotiateWithoutTicket: the Kerberos client says why it has no
// token, reading what MIT Kerberos reads, and the request goes without
// Authorization, as curl's does.
func TestNegotiateWithoutTicket(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "krb5.conf")
	if err := os.WriteFile(conf, []byte("[libdefaults]\n\tdefault_realm = WHY401.TEST\n[realms]\n\tWHY401.TEST = {\n\t\tkdc = 127.0.0.1:9\n\t}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, rc := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", "Negotiate")
		w.WriteHeader(http.StatusUnauthorized)
	}))
	for _, tt := range []struct {
		name, config, ccache, problem string
	}{
		{"no krb5.conf", filepath.Join(dir, "missing.conf"), "FILE:" + filepath.Join(dir, "cc"), "no-config"},
		{"no cache", conf, "FILE:" + filepath.Join(dir, "cc"), "no-ticket"},
		{"not a cache", conf, conf, "no-ticket"},
		{"keyring", conf, "KEYRING:persistent:1000", "unsupported-cache"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("KRB5_CONFIG", tt.config)
			t.Setenv("KRB5CCNAME", tt.ccache)
			p := probeRun(t, Options{URL: s.URL + "/", HTTPAuth: "negotiate", User: ":", NoDiscovery: true})
			k := p.Kerberos
			if k == nil || k.Problem != tt.problem || k.Tokens != 0 || k.Err == "" {
				t.Fatalf("kerberos %+v", k)
			}
			if !strings.HasPrefix(k.SPN, "HTTP/127.0.0.1") || k.Config != tt.config {
				t.Errorf("spn %q config %q", k.SPN, k.Config)
			}
			if a := p.Request.Header.Get("Authorization"); a != "" {
				t.Errorf("request as given records Authorization %q", a)
			}
			if p.CredentialedAttempts != 0 || len(rc.withAuth()) != 0 {
				t.Errorf("%d attempts, server saw %d with Authorization", p.CredentialedAttempts, len(rc.withAuth()))
			}
		})
	}
}

// FuzzNTLMChallenge: the server's challenge, from any bytes, never
// crashes the reader of its target domain or the answer.
func FuzzNTLMChallenge(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(lab.NTLMChallenge("WHY401")))
	f.Add("TlRMTVNTUAACAAAAAAAAADgAAAABgoqiAAAAAAAAAAA=")
	f.Add("TlRMTVNTUAACAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		msg, ok := ntlmChallenge([]authChallenge{{Scheme: "NTLM", Token68: tok}})
		if !ok {
			return
		}
		_ = ntlmTargetDomain(msg)
		_, _ = ntlmAuthenticate(msg, `D\u:p`)
	})
}

// TestHTTPAuthNone: several schemes without Digest in a pasted command
// (curl --basic --ntlm) send -u with none until a challenge names one, and
// the probe answers none: nothing credentialed is sent.
func TestHTTPAuthNone(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", User: "alice:secret", HTTPAuth: "none", NoDiscovery: true})
	if p.CredentialedAttempts != 0 || len(rc.withAuth()) != 0 {
		t.Errorf("%d attempts, server saw %d with Authorization", p.CredentialedAttempts, len(rc.withAuth()))
	}
}
