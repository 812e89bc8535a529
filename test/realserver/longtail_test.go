package realserver_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/servertest"
)

// pki is a throw-away CA with a server certificate for 127.0.0.1 and two
// client certificates, one valid and one expired, all as PEM files.
type pki struct {
	ca, serverCert, serverKey, client, expiredClient string
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := servertest.TempDir(t)
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "why401 test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	write := func(name string, blocks ...*pem.Block) string {
		var data []byte
		for _, b := range blocks {
			data = append(data, pem.EncodeToMemory(b)...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := servertest.MakeReadable(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := func(serial int64, cn string, from, to time.Time, usage x509.ExtKeyUsage, ip bool) (*pem.Block, *pem.Block) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: from, NotAfter: to, ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature}
		if ip {
			tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return &pem.Block{Type: "CERTIFICATE", Bytes: der}, &pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}
	}
	var k pki
	k.ca = write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	sc, sk := leaf(2, "127.0.0.1", now.Add(-time.Hour), now.Add(24*time.Hour), x509.ExtKeyUsageServerAuth, true)
	k.serverCert, k.serverKey = write("server.pem", sc), write("server.key", sk)
	cc, ck := leaf(3, "good-client", now.Add(-time.Hour), now.Add(24*time.Hour), x509.ExtKeyUsageClientAuth, false)
	k.client = write("client.pem", cc, ck)
	ec, ek := leaf(4, "expired-client", now.Add(-30*24*time.Hour), now.Add(-72*time.Hour), x509.ExtKeyUsageClientAuth, false)
	k.expiredClient = write("expired.pem", ec, ek)
	return k
}

// g. nginx with ssl_verify_client on: no certificate, an expired one, a
// valid one.
func TestNginxClientCertificate(t *testing.T) {
	t.Parallel()
	k := newPKI(t)
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}} ssl;
	ssl_certificate `+k.serverCert+`;
	ssl_certificate_key `+k.serverKey+`;
	ssl_client_certificate `+k.ca+`;
	ssl_verify_client on;
	location / {
		default_type application/json;
		return 200 '{"ok":true}';
	}
}`)
	url := "https://127.0.0.1:" + strconv.Itoa(s.Port) + "/api"
	t.Run("no certificate", func(t *testing.T) {
		r := probe(t, url, "--cacert", k.ca)
		expect(t, r, 1, "tls.client-certificate")
		if r.report.Findings[0].Text() != "The server requires a client certificate and none was sent" {
			t.Errorf("title %q", r.report.Findings[0].Text())
		}
	})
	t.Run("expired certificate", func(t *testing.T) {
		r := probe(t, url, "--cacert", k.ca, "--cert", k.expiredClient)
		expect(t, r, 1, "tls.client-certificate")
		if len(r.report.Findings) > 0 && !strings.Contains(r.report.Findings[0].Text(), "expired") {
			t.Errorf("title %q", r.report.Findings[0].Text())
		}
	})
	t.Run("valid certificate", func(t *testing.T) {
		expect(t, probe(t, url, "--cacert", k.ca, "--cert", k.client), 0, "")
	})
}

// h. One name, two nginx sites: the new one on 127.0.0.1, the old one
// (behind a password) on [::1], as when the AAAA record was forgotten.
func TestNginxDNSMismatch(t *testing.T) {
	t.Parallel()
	probeIPv6(t)
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/new;
}
server {
	listen [::1]:{{.Port}};
	root {{.Dir}}/old;
	auth_basic "old intranet";
	auth_basic_user_file {{.Dir}}/old.htpasswd;
}`, servertest.File("new/index.html", "<!doctype html><title>New site</title><p>welcome</p>\n"),
		servertest.File("old/index.html", "<!doctype html><title>Old intranet</title>\n"),
		servertest.File("old.htpasswd", "nobody:$apr1$x$invalid\n"))
	port := strconv.Itoa(s.Port)
	sanity(t, "IPv4 site", "http://127.0.0.1:"+port+"/", nil, 200, nil)
	sanity(t, "IPv6 site", "http://[::1]:"+port+"/", nil, 401, ptr(`Basic realm="old intranet"`))

	t.Run("resolve both", func(t *testing.T) {
		r := probe(t, "http://www.dual.test:"+port+"/", "--resolve", "www.dual.test:"+port+":127.0.0.1,[::1]")
		expect(t, r, 1, "dns.mismatch")
		if len(r.report.Findings) == 0 {
			return
		}
		ev := strings.Join(r.report.Findings[0].Evidence, "\n")
		if !strings.Contains(ev, "a browser most likely used ::1") || !strings.Contains(ev, "--resolve") {
			t.Errorf("evidence:\n%s", ev)
		}
	})
	t.Run("resolve one", func(t *testing.T) {
		// Pinned to the IPv4 site only, the name works: nothing to report.
		expect(t, probe(t, "http://www.dual.test:"+port+"/", "--resolve", "www.dual.test:"+port+":127.0.0.1"), 0, "")
	})
	t.Run("localhost", func(t *testing.T) {
		// This machine's /etc/hosts maps localhost to 127.0.0.1 only, so
		// through localhost the probe sees one address and the new site:
		// the mismatch is only visible through --resolve here.
		addrs, err := net.LookupHost("localhost")
		if err != nil {
			t.Skip(err)
		}
		r := probe(t, "http://localhost:"+port+"/")
		if len(addrs) == 1 {
			expect(t, r, 0, "")
			return
		}
		if len(r.report.Findings) == 0 || r.report.Findings[0].Cause != "dns.mismatch" {
			t.Errorf("localhost resolves to %v: causes %v", addrs, r.causes())
		}
	})
}

// probeIPv6 skips the test when [::1] cannot be bound (outside CI).
func probeIPv6(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		if ci() {
			t.Fatalf("no IPv6 loopback: %v", err)
		}
		t.Skipf("no IPv6 loopback: %v", err)
	}
	l.Close()
}

const maintenancePage = "<!doctype html><title>Down for maintenance</title><h1>We are down for maintenance</h1><p>We'll be right back.</p>\n"

// i. nginx serving a maintenance page with 401, and an allow/deny rule.
func TestNginxMaintenanceAndDeny(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	error_page 401 /maintenance.html;
	location = /maintenance.html { internal; }
	location /shop/ { return 401; }
	location /admin/ {
		allow 10.0.0.0/8;
		deny all;
	}
}`, servertest.File("html/maintenance.html", maintenancePage), servertest.File("html/admin/panel.html", "<title>panel</title>\n"))
	sanity(t, "maintenance", s.URL()+"/shop/cart", nil, 401, ptr(""))
	sanity(t, "deny", s.URL()+"/admin/panel.html", nil, 403, nil)

	t.Run("maintenance", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/shop/cart", "-u", "alice:secret"), 1, "status.not-auth")
	})
	t.Run("deny rule", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/admin/panel.html", "-u", "alice:secret"), 1, "ip.denied")
	})
	t.Run("deny rule, no credentials", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/admin/panel.html"), 1, "ip.denied")
	})
}

// j. Apache Require not ip: the stock 403 page.
func TestApacheDeny(t *testing.T) {
	t.Parallel()
	s := servertest.Apache(t, `
<Directory "{{.Dir}}/htdocs">
	<RequireAll>
		Require all granted
		Require not ip 127.0.0.1
	</RequireAll>
</Directory>`, servertest.File("htdocs/report.html", page))
	sanity(t, "deny", s.URL()+"/report.html", nil, 403, nil)
	expect(t, probe(t, s.URL()+"/report.html", "-u", "alice:secret"), 1, "ip.denied")
}

// k. Apache with non-ASCII user names: stored as UTF-8 they work as sent;
// stored as ISO-8859-1 (an old password file) only --try-encodings finds
// out why the right password fails.
func TestApacheNonASCIIUser(t *testing.T) {
	t.Parallel()
	dir := servertest.TempDir(t)
	utf := filepath.Join(dir, "utf8.htpasswd")
	servertest.Htpasswd(t, utf, "jürgen", "grüße", "-B")
	latin := filepath.Join(dir, "latin1.htpasswd")
	servertest.Htpasswd(t, latin, "j\xfcrgen", "gr\xfc\xdfe", "-m")
	s := servertest.Apache(t, fmt.Sprintf(`
<Directory "{{.Dir}}/htdocs/utf8">
	AuthType Basic
	AuthName "new"
	AuthUserFile "%s"
	Require valid-user
</Directory>
<Directory "{{.Dir}}/htdocs/latin1">
	AuthType Basic
	AuthName "legacy"
	AuthUserFile "%s"
	Require valid-user
</Directory>`, utf, latin), servertest.File("htdocs/utf8/index.html", page), servertest.File("htdocs/latin1/index.html", page))
	latinAuth := http.Header{"Authorization": {"Basic " + b64("j\xfcrgen:gr\xfc\xdfe")}}
	sanity(t, "latin-1 bytes", s.URL()+"/latin1/index.html", latinAuth, 200, nil)
	sanity(t, "utf-8 bytes", s.URL()+"/latin1/index.html", basic("jürgen", "grüße"), 401, nil)

	t.Run("utf-8 file", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/utf8/index.html", "-u", "jürgen:grüße"), 0, "")
	})
	t.Run("latin-1 file, try encodings", func(t *testing.T) {
		r := probe(t, s.URL()+"/latin1/index.html", "-u", "jürgen:grüße", "--try-encodings")
		expect(t, r, 1, "credentials.encoding")
		if r.report.CredentialedAttempts != 2 {
			t.Errorf("credentialed attempts %d, want 2 (as given + latin-1)", r.report.CredentialedAttempts)
		}
	})
	t.Run("latin-1 file, no extra attempts", func(t *testing.T) {
		r := probe(t, s.URL()+"/latin1/index.html", "-u", "jürgen:grüße")
		found := false
		for _, f := range r.report.Findings {
			found = found || f.Cause == "credentials.encoding"
		}
		if !found || r.report.CredentialedAttempts != 1 {
			t.Errorf("causes %v, attempts %d", r.causes(), r.report.CredentialedAttempts)
		}
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// l. nginx auth_basic whose password file is missing, and one whose entry
// for alice has a hash crypt(3) cannot check; a site-wide auth_basic that
// also covers the ACME challenge path and a health check; a protected
// answer marked public.
func TestNginxServerSideFromClient(t *testing.T) {
	t.Parallel()
	dir := servertest.TempDir(t)
	bad := filepath.Join(dir, "bad.htpasswd")
	if err := os.WriteFile(bad, []byte("alice:$9$unknownhashscheme$abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := servertest.MakeReadable(bad); err != nil {
		t.Fatal(err)
	}
	good := users(t)
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	auth_basic "Staging";
	auth_basic_user_file `+good+`;
	location /files/ {
		auth_basic "files";
		auth_basic_user_file {{.Dir}}/missing.htpasswd;
	}
	location /reports/ {
		auth_basic "reports";
		auth_basic_user_file `+bad+`;
	}
	location /profile {
		default_type application/json;
		add_header Cache-Control "public, max-age=300" always;
		return 200 '{"user":"alice"}';
	}
}`, servertest.File("html/files/index.html", page), servertest.File("html/reports/index.html", page),
		servertest.File("html/.well-known/acme-challenge/tok", "tok.key\n"), servertest.File("html/healthz", "ok\n"))
	sanity(t, "missing file, anonymous", s.URL()+"/files/", nil, 401, ptr(`Basic realm="files"`))
	// nginx answers 403 when the file is missing or unreadable (ENOENT,
	// EACCES) and 500 for other errors, whoever the user.
	sanity(t, "missing file, credentials", s.URL()+"/files/", basic("alice", "secret"), 403, nil)
	sanity(t, "missing file, another user", s.URL()+"/files/", basic("nobody", "x"), 403, nil)
	// Debian's crypt(3) (libxcrypt) returns a failure token for a hash it
	// does not know, so nginx sees a mismatch: 401, as for a wrong password.
	sanity(t, "bad hash, alice", s.URL()+"/reports/", basic("alice", "secret"), 401, nil)
	sanity(t, "bad hash, another user", s.URL()+"/reports/", basic("nobody", "x"), 401, nil)
	sanity(t, "acme", s.URL()+"/.well-known/acme-challenge/tok", nil, 401, ptr(`Basic realm="Staging"`))

	t.Run("missing password file", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/files/", "-u", "alice:secret"), 1, "server.htpasswd-file")
	})
	t.Run("missing password file, made-up user not counted", func(t *testing.T) {
		r := probe(t, s.URL()+"/files/", "-u", "alice:secret")
		if r.report.CredentialedAttempts != 1 {
			t.Errorf("credentialed attempts %d: the made-up user must not count", r.report.CredentialedAttempts)
		}
	})
	t.Run("unusable hash looks like a wrong password", func(t *testing.T) {
		// Not distinguishable from the client here: the finding is the
		// refused password; why401 audit reads the file itself.
		expect(t, probe(t, s.URL()+"/reports/", "-u", "alice:secret"), 1, "credentials.rejected")
	})
	t.Run("acme challenge behind auth", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/.well-known/acme-challenge/tok"), 1, "server.auth-scope")
	})
	t.Run("health check behind auth", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/healthz"), 1, "server.auth-scope")
	})
	t.Run("public authenticated answer", func(t *testing.T) {
		expect(t, probe(t, s.URL()+"/profile", "-u", "alice:secret"), 1, "cache.auth-cacheable")
	})
}

// m. nginx: a login endpoint moved with a 301; following it turns the POST
// into a GET, which the new endpoint refuses.
func TestNginxMovedLogin(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location = /api/login { return 301 /api/v2/login; }
	location = /api/v2/login {
		limit_except POST { deny all; }
		default_type application/json;
		return 200 '{"ok":true}';
	}
}`)
	sanity(t, "old login", s.URL()+"/api/login", nil, 301, nil)
	sanity(t, "new login, GET", s.URL()+"/api/v2/login", nil, 403, nil)
	expect(t, probe(t, s.URL()+"/api/login", "-d", "username=alice&password=secret", "-L"), 1, "url.wrong")
}

// n. Staging Basic auth in nginx in front of a Bearer API that publishes
// its RFC 9728 metadata: the token never gets past nginx.
func TestNginxBasicInFrontOfBearer(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"resource":"http://%s/api/items","bearer_methods_supported":["header"]}`, r.Host)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="items"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(app.Close)
	upstream := strings.TrimPrefix(app.URL, "http://")
	pw := users(t)
	s := servertest.Nginx(t, fmt.Sprintf(`
server {
	listen {{.Addr}};
	location / {
		auth_basic "Staging";
		auth_basic_user_file %s;
		proxy_pass http://%s;
		proxy_set_header Host $http_host;
	}
	location /.well-known/oauth-protected-resource {
		proxy_pass http://%s;
		proxy_set_header Host $http_host;
	}
}`, pw, upstream, upstream))
	tok := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2ln"
	sanity(t, "bearer at nginx", s.URL()+"/api/items", bearer(tok), 401, ptr(`Basic realm="Staging"`))
	sanity(t, "metadata", s.URL()+"/.well-known/oauth-protected-resource/api/items", nil, 200, nil)
	sanity(t, "past nginx", s.URL()+"/api/items", basic("alice", "secret"), 401, ptr(`Bearer realm="items"`))
	expect(t, probe(t, s.URL()+"/api/items", "-H", "Authorization: Bearer "+tok), 1, "auth.header-collision")
}

// o. nginx playing an application whose session store forgot the session:
// a 401 that deletes the session cookie the request sent.
func TestNginxSessionEnded(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	location /app/ {
		if ($cookie_app_session) {
			add_header Set-Cookie "app_session=; Path=/; Max-Age=0; HttpOnly" always;
		}
		add_header WWW-Authenticate 'Bearer realm="app"' always;
		return 401;
	}
}`)
	status, h, _ := get(t, s.URL()+"/app/dashboard", http.Header{"Cookie": {"app_session=stale"}})
	if status != 401 || !strings.Contains(h.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("setup: %d %q", status, h.Values("Set-Cookie"))
	}
	expect(t, probe(t, s.URL()+"/app/dashboard", "-b", "app_session=stale"), 1, "session.expired")
	// Without a cookie there is no session to end.
	r := probe(t, s.URL()+"/app/dashboard")
	for _, f := range r.report.Findings {
		if f.Cause == "session.expired" {
			t.Errorf("session.expired without a cookie: %v", r.causes())
		}
	}
}

// p. nginx secure_link: a link signed with expires and md5, bookmarked
// three days after it ran out (410), and a fresh one.
func TestNginxSecureLinkExpired(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location /files/ {
		secure_link $arg_md5,$arg_expires;
		secure_link_md5 "$secure_link_expires$uri why401-test-secret";
		if ($secure_link = "") { return 403; }
		if ($secure_link = "0") { return 410; }
	}
}`, servertest.File("html/files/report.pdf", "%PDF-1.4\n"))
	link := func(expires time.Time) string {
		exp := strconv.FormatInt(expires.Unix(), 10)
		sum := md5.Sum([]byte(exp + "/files/report.pdf why401-test-secret"))
		return s.URL() + "/files/report.pdf?md5=" + base64.RawURLEncoding.EncodeToString(sum[:]) + "&expires=" + exp
	}
	stale := link(time.Now().Add(-72*time.Hour - time.Minute))
	fresh := link(time.Now().Add(time.Hour))
	sanity(t, "stale link", stale, nil, 410, nil)
	sanity(t, "fresh link", fresh, nil, 200, nil)

	r := probe(t, stale)
	expect(t, r, 1, "token.expired")
	if len(r.report.Findings) > 0 && !strings.Contains(r.report.Findings[0].Text(), "expired 3 days ago") {
		t.Errorf("title %q", r.report.Findings[0].Text())
	}
	if strings.Contains(r.stdout, "md5="+strings.Split(strings.Split(stale, "md5=")[1], "&")[0]) {
		t.Error("the link's signature appears in the output")
	}
	expect(t, probe(t, fresh), 0, "")
}

// q. nginx behind a trusted proxy judges the address in X-Forwarded-For:
// a denied network is refused whatever the credentials.
func TestNginxDenyByForwardedFor(t *testing.T) {
	t.Parallel()
	s := servertest.Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	set_real_ip_from 127.0.0.1;
	real_ip_header X-Forwarded-For;
	location /admin/ {
		deny 10.0.0.0/8;
		allow all;
	}
}`, servertest.File("html/admin/index.html", page))
	xff := http.Header{"X-Forwarded-For": {"10.1.2.3"}}
	sanity(t, "denied network", s.URL()+"/admin/index.html", xff, 403, nil)
	sanity(t, "other network", s.URL()+"/admin/index.html", http.Header{"X-Forwarded-For": {"192.0.2.1"}}, 200, nil)
	r := probe(t, s.URL()+"/admin/index.html", "-H", "X-Forwarded-For: 10.1.2.3", "-u", "alice:secret")
	expect(t, r, 1, "ip.denied")
	if len(r.report.Findings) > 0 && !strings.Contains(strings.Join(r.report.Findings[0].Evidence, "\n"), "X-Forwarded-For: 10.1.2.3") {
		t.Errorf("evidence %q", r.report.Findings[0].Evidence)
	}
}

// r. Apache answering a maintenance window with 401 and its maintenance
// page (mod_rewrite R=401 and ErrorDocument), as maintenance plugins do.
func TestApacheMaintenance(t *testing.T) {
	t.Parallel()
	s := servertest.Apache(t, `
RewriteEngine On
RewriteCond %{REQUEST_URI} !^/maintenance\.html$
RewriteRule ^/shop/ - [R=401,L]
ErrorDocument 401 /maintenance.html`, servertest.Modules("rewrite"), servertest.File("htdocs/maintenance.html", maintenancePage))
	sanity(t, "maintenance", s.URL()+"/shop/cart", nil, 401, ptr(""))
	expect(t, probe(t, s.URL()+"/shop/cart", "-u", "alice:secret"), 1, "status.not-auth")
}
