package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/catalog"
	"github.com/why401/why401/internal/checks"
	"github.com/why401/why401/internal/diagnosis"
	"github.com/why401/why401/internal/evidence"
)

func membersSite(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/members/"):
		w.Header().Set("WWW-Authenticate", `Basic realm="members"`)
		w.WriteHeader(http.StatusUnauthorized)
	case r.URL.Path == "/docs/guide":
		w.Write([]byte("public guide"))
	default:
		http.NotFound(w, r)
	}
}

func TestNearbyTrials(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(membersSite))
	p := probeRun(t, Options{URL: s.URL + "/members/docs/guide?x=1", User: "alice:secret", Cookie: []string{"sid=1"}, NoDiscovery: true})
	ts := trialsOf(p, evidence.Nearby)
	if len(ts) != 3 {
		t.Fatalf("%d nearby trials; trials %s", len(ts), variants(p))
	}
	want := map[string]string{"without-prefix": s.URL + "/docs/guide", "parent": s.URL + "/members/docs/", "nonexistent": s.URL + "/docs/guide-why401-"}
	for _, tr := range ts {
		f := tr.Final()
		if !strings.HasPrefix(f.Request.URL, want[tr.Label]) || want[tr.Label] == "" || tr.Credentialed || f.Response == nil {
			t.Errorf("%s: %+v", tr.Label, f)
		}
	}
	if ts[2].Label != "nonexistent" || ts[2].Final().Response.Status != 404 {
		t.Errorf("canary %s → %d", ts[2].Label, ts[2].Final().Response.Status)
	}
	if st := ts[0].Final().Response.Status; ts[0].Label != "without-prefix" || st != 200 {
		t.Errorf("first nearby %s → %d", ts[0].Label, st)
	}
	for _, r := range rc.all() {
		if !strings.HasPrefix(r.Path, "/members/docs/guide") && (r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "") {
			t.Errorf("credentials sent to %s", r.Path)
		}
	}
	// A working request or a one-segment path asks no neighbours.
	p = probeRun(t, Options{URL: s.URL + "/docs/guide", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Nearby)); n != 0 {
		t.Errorf("%d nearby trials for a working request", n)
	}
	p = probeRun(t, Options{URL: s.URL + "/members", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Nearby)); n != 0 {
		t.Errorf("%d nearby trials for a one-segment path", n)
	}
}

var nearbyTests = []struct {
	in   string
	want []string // label=path
}{
	{"http://h/", nil},
	{"http://h/a", nil},
	{"http://h/a/b", []string{"without-prefix=/b", "parent=/a/"}},
	{"http://h/a/b/", []string{"without-prefix=/b/", "parent=/a/"}},
	{"http://h/a/b/c?q=1#f", []string{"without-prefix=/b/c", "parent=/a/b/"}},
	{"http://h/a/b%2Fc", []string{"without-prefix=/b%2Fc", "parent=/a/"}},
	{"http://h/a/a", []string{"without-prefix=/a", "parent=/a/"}},
	{"http://h//x", nil},
}

func TestNearbyURLs(t *testing.T) {
	for _, tt := range nearbyTests {
		u, _ := url.Parse(tt.in)
		var got []string
		for _, n := range nearbyURLs(u) {
			got = append(got, n.label+"="+n.url.EscapedPath())
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNearbyURLs(f *testing.F) {
	for _, tt := range nearbyTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		ns := nearbyURLs(u)
		if len(ns) > maxNearby {
			t.Fatalf("%d neighbours", len(ns))
		}
		for _, n := range ns {
			if n.url.RawQuery != "" || n.url.Host != u.Host || n.url.Scheme != u.Scheme || n.url.User != nil {
				t.Fatalf("neighbour %s of %s", n.url, raw)
			}
			if n.url.EscapedPath() == u.EscapedPath() {
				t.Fatalf("neighbour is the target: %s", raw)
			}
		}
	})
}

// latinWall accepts jürgen:grüße as ISO-8859-1 bytes only.
func latinWall(w http.ResponseWriter, r *http.Request) {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic "); ok {
		if d, _ := base64.StdEncoding.DecodeString(v); string(d) == "j\xfcrgen:gr\xfc\xdfe" {
			w.Write([]byte("welcome"))
			return
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="legacy"`)
	w.WriteHeader(http.StatusUnauthorized)
}

func TestTryEncodings(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(latinWall))
	p := probeRun(t, Options{URL: s.URL + "/x", User: "jürgen:grüße", TryEncodings: true, NoDiscovery: true})
	tr := one(t, p, evidence.Encoding)
	if tr.Label != "latin-1" || status(t, tr) != 200 || !tr.Credentialed {
		t.Fatalf("encoding trial %+v", tr)
	}
	if status(t, one(t, p, evidence.AsGiven)) != 401 {
		t.Error("as given should fail")
	}
	if !hasNote(p, "--try-encodings: 1 extra credentialed request(s) sent (latin-1)") {
		t.Errorf("notes %q", p.Notes)
	}
	if p.CredentialedAttempts != len(rc.withAuth()) || p.CredentialedAttempts != 2 {
		t.Errorf("attempts %d, server saw %d", p.CredentialedAttempts, len(rc.withAuth()))
	}
	// Off by default: no extra credentialed request.
	p = probeRun(t, Options{URL: s.URL + "/x", User: "jürgen:grüße", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Encoding)); n != 0 || p.CredentialedAttempts != 1 {
		t.Errorf("without the flag: %d encoding trials, %d attempts", n, p.CredentialedAttempts)
	}
	// Latin-1 bytes in a header are tried as UTF-8; ASCII is not retried.
	latin := "Basic " + base64.StdEncoding.EncodeToString([]byte("j\xfcrgen:x"))
	p = probeRun(t, Options{URL: s.URL + "/x", Header: http.Header{"Authorization": {latin}}, TryEncodings: true, NoDiscovery: true})
	if tr := one(t, p, evidence.Encoding); tr.Label != "utf-8" || status(t, tr) != 401 {
		t.Errorf("utf-8 trial %+v", tr)
	}
	p = probeRun(t, Options{URL: s.URL + "/x", User: "bob:plain", TryEncodings: true, NoDiscovery: true})
	if len(trialsOf(p, evidence.Encoding)) != 0 || !hasNote(p, "plain ASCII") {
		t.Errorf("ascii: trials %s notes %q", variants(p), p.Notes)
	}
}

func TestEncodingAlternatives(t *testing.T) {
	for _, tt := range []struct {
		user, pass string
		want       string
	}{
		{"jürgen", "grüße", "latin-1"},
		{"j\xfcrgen", "x", "utf-8"},
		{"bob", "p%40ss", "percent-decoded"},
		{"jürgen", "p%40ss", "latin-1 percent-decoded"},
		{"łukasz", "x", ""}, // beyond Latin-1: nothing to try
		{"bob", "plain", ""},
		{"bob", "100%", ""},
	} {
		var got []string
		for _, a := range encodingAlternatives([]byte(tt.user), []byte(tt.pass)) {
			got = append(got, a.label)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%q:%q: got %q, want %q", tt.user, tt.pass, got, tt.want)
		}
	}
}

func TestClientCertEvidence(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notAfter := time.Now().Add(-48 * time.Hour).Truncate(time.Second).UTC()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "expired-client"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile := filepath.Join(dir, "client.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})...)
	if err := os.WriteFile(certFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := serve(t, http.HandlerFunc(basicWall))
	p := probeRun(t, Options{URL: s.URL + "/", Cert: certFile, NoDiscovery: true})
	if p.ClientCert == nil || p.ClientCert.Subject != "CN=expired-client" || !p.ClientCert.NotAfter.Equal(notAfter) {
		t.Fatalf("client cert %+v", p.ClientCert)
	}
	if p = probeRun(t, Options{URL: s.URL + "/", NoDiscovery: true}); p.ClientCert != nil {
		t.Errorf("client cert without --cert: %+v", p.ClientCert)
	}
}

// A TLS 1.3 server that requires a client certificate rejects the
// handshake with a certificate_required alert; the error text is what the
// clientcert check matches.
func TestCertificateRequiredAlert(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(basicWall))
	s.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS13}
	s.Config.ErrorLog = quietLog
	s.StartTLS()
	t.Cleanup(s.Close)
	p := probeRun(t, Options{URL: s.URL + "/", Insecure: true, NoDiscovery: true})
	f := one(t, p, evidence.AsGiven).Final()
	if f.Response != nil || !strings.Contains(f.Err, "tls: certificate required") {
		t.Fatalf("err %q kind %q", f.Err, f.ErrKind)
	}
	fs, err := diagnosis.Run(checks.All, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Cause != catalog.TLSClientCertificate {
		t.Fatalf("findings %+v", fs)
	}
}

func TestConvertBody(t *testing.T) {
	for _, tt := range []struct {
		ct, body       string
		wantCT, wantBd string
	}{
		{"application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=c", "application/json", `{"client_id":"c","grant_type":"client_credentials"}`},
		{"", "a=1", "application/json", `{"a":"1"}`},
		{"application/json", `{"user":"u","n":2,"ok":true}`, "application/x-www-form-urlencoded", "n=2&ok=true&user=u"},
		{"", `{"a":"b"}`, "application/x-www-form-urlencoded", "a=b"},
		// Nothing to convert.
		{"application/json", `{"a":{"b":1}}`, "", ""},
		{"application/json", `[1,2]`, "", ""},
		{"multipart/form-data; boundary=x", "--x--", "", ""},
		{"application/x-www-form-urlencoded", "%zz", "", ""},
		{"text/plain", "=x", "", ""},
	} {
		ct, b, ok := convertBody(tt.ct, []byte(tt.body))
		if ct != tt.wantCT || string(b) != tt.wantBd || ok != (tt.wantCT != "") {
			t.Errorf("convertBody(%q, %q) = %q, %q, %v", tt.ct, tt.body, ct, b, ok)
		}
	}
}

func TestTryContentType(t *testing.T) {
	jsonOnly := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&v) != nil || v["client_secret"] != "s" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_client","error_description":"body must be JSON"}`))
			return
		}
		w.Write([]byte(`{"access_token":"x"}`))
	})
	s := httptest.NewServer(jsonOnly) // the recorder would consume the body
	t.Cleanup(s.Close)
	p := probeRun(t, Options{URL: s.URL + "/token", Data: []byte("client_id=c&client_secret=s"), TryContentType: true, NoDiscovery: true})
	tr := one(t, p, evidence.ContentType)
	if tr.Label != "application/json" || status(t, tr) != 200 || !hasNote(p, "--try-content-type: 1 extra request sent") {
		t.Fatalf("trial %+v notes %q", tr, p.Notes)
	}
	fs, err := diagnosis.Run(checks.All, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 || fs[0].Cause != catalog.RequestContentType || fs[0].Confidence < 0.95 {
		t.Fatalf("findings %+v", fs)
	}
	// Off by default.
	p = probeRun(t, Options{URL: s.URL + "/token", Data: []byte("client_id=c&client_secret=s"), NoDiscovery: true})
	if n := len(trialsOf(p, evidence.ContentType)); n != 0 {
		t.Errorf("%d content-type trials without the flag", n)
	}
}

func TestBogusTrial(t *testing.T) {
	s, rc := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _, ok := r.BasicAuth()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
			w.WriteHeader(http.StatusUnauthorized)
		case u == "alice":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	p := probeRun(t, Options{URL: s.URL + "/x", User: "alice:secret", NoDiscovery: true})
	tr := one(t, p, evidence.Bogus)
	if tr.Credentialed || status(t, tr) != 401 || !strings.HasPrefix(tr.Label, "made-up user why401-bogus-") {
		t.Fatalf("bogus %+v", tr)
	}
	sent := tr.Final().Request.Header.Get("Authorization")
	for _, r := range rc.withAuth() {
		if u, _, _ := (&http.Request{Header: r.Header}).BasicAuth(); u != "alice" && r.Header.Get("Authorization") != sent {
			t.Errorf("unexpected credentials %q", r.Header.Get("Authorization"))
		}
	}
	if p.CredentialedAttempts != 1 {
		t.Errorf("attempts %d, want 1: the made-up user is not the user's secret", p.CredentialedAttempts)
	}
	// A plain refusal (401) asks no made-up user.
	p = probeRun(t, Options{URL: s.URL + "/x", User: "bob:x", NoDiscovery: true})
	if n := len(trialsOf(p, evidence.Bogus)); n != 0 {
		t.Errorf("%d bogus trials after a 401", n)
	}
}

func FuzzConvertBody(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "a=1&b=2")
	f.Add("application/json", `{"a":"1","n":2}`)
	f.Add("", `{"a":{"b":1}}`)
	f.Add("text/plain", "=x")
	f.Fuzz(func(t *testing.T, ct, body string) {
		nct, nb, ok := convertBody(ct, []byte(body))
		if !ok {
			if nct != "" || nb != nil {
				t.Fatalf("not ok but %q %q", nct, nb)
			}
			return
		}
		switch nct {
		case "application/json":
			var m map[string]string
			if err := json.Unmarshal(nb, &m); err != nil || len(m) == 0 {
				t.Fatalf("JSON %q: %v", nb, err)
			}
		case "application/x-www-form-urlencoded":
			if _, err := url.ParseQuery(string(nb)); err != nil {
				t.Fatalf("form %q: %v", nb, err)
			}
		default:
			t.Fatalf("content type %q", nct)
		}
	})
}
