package servertest

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func get(t *testing.T, url, user, pass string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp, string(body)
}

func TestNginxServesPage(t *testing.T) {
	t.Parallel()
	s := Nginx(t, `
server {
	listen {{.Addr}};
	root {{.Dir}}/html;
	location /hello { return 200 "hello from {{.Port}}\n"; }
}
server {
	listen 127.0.0.1:{{index .Ports 0}};
	location / { return 204; }
}`, ExtraPorts(1), File("html/index.html", "<p>index in {{.Dir}}</p>\n"))

	resp, body := get(t, s.URL()+"/hello", "", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "hello from ") || !strings.HasPrefix(resp.Header.Get("Server"), "nginx") {
		t.Errorf("GET /hello = %d %q, Server %q; want 200 from nginx", resp.StatusCode, body, resp.Header.Get("Server"))
	}
	resp, body = get(t, s.URL()+"/", "", "")
	if resp.StatusCode != 200 || body != "<p>index in "+s.Dir+"</p>\n" {
		t.Errorf("GET / = %d %q; want the rendered index.html", resp.StatusCode, body)
	}
	resp, _ = get(t, s.ExtraURL(0)+"/", "", "")
	if resp.StatusCode != 204 {
		t.Errorf("GET extra port = %d, want 204", resp.StatusCode)
	}
	if !strings.Contains(s.AccessLog(), "GET /hello HTTP/1.1\" 200") {
		t.Errorf("access log lacks the request:\n%s", s.AccessLog())
	}
	if len(s.Ports) != 1 || s.Ports[0] == s.Port {
		t.Errorf("Ports = %v, main %d; want one distinct extra port", s.Ports, s.Port)
	}
}

func TestNginxBasicAuth(t *testing.T) {
	t.Parallel()
	dir := TempDir(t)
	users := filepath.Join(dir, "users")
	Htpasswd(t, users, "alice", "secret", "-B")
	Htpasswd(t, users, "bob", "hunter2", "-m")
	s := Nginx(t, `
server {
	listen {{.Addr}};
	auth_basic "Restricted";
	auth_basic_user_file `+users+`;
	root {{.Dir}}/html;
	add_header X-Remote-User $remote_user always;
}`, File("html/index.html", "welcome\n"))
	resp, _ := get(t, s.URL()+"/", "", "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="Restricted"` {
		t.Errorf("no credentials: %d %q; want 401 Basic realm=\"Restricted\"", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = get(t, s.URL()+"/", "alice", "wrong")
	if resp.StatusCode != 401 {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}
	for _, c := range [][2]string{{"alice", "secret"}, {"bob", "hunter2"}} {
		resp, body := get(t, s.URL()+"/", c[0], c[1])
		if resp.StatusCode != 200 || body != "welcome\n" || resp.Header.Get("X-Remote-User") != c[0] {
			t.Errorf("%s with the right password: %d %q; want 200", c[0], resp.StatusCode, body)
		}
	}
	if !strings.Contains(s.ErrorLog(), "password mismatch") {
		t.Errorf("error log does not record the mismatch:\n%s", s.ErrorLog())
	}
}

func TestApacheServesPage(t *testing.T) {
	t.Parallel()
	s := Apache(t, `
Alias /hello "{{.Dir}}/hello.txt"
<Files "hello.txt">
	Require all granted
</Files>
Header always set X-Test-Port "{{.Port}}"
`, File("hello.txt", "hello\n"), File("htdocs/index.html", "<p>index</p>\n"))

	resp, body := get(t, s.URL()+"/hello", "", "")
	if resp.StatusCode != 200 || body != "hello\n" || !strings.HasPrefix(resp.Header.Get("Server"), "Apache") {
		t.Errorf("GET /hello = %d %q, Server %q; want 200 hello from Apache", resp.StatusCode, body, resp.Header.Get("Server"))
	}
	if got := resp.Header.Get("X-Test-Port"); got == "" || got != strconv.Itoa(s.Port) {
		t.Errorf("X-Test-Port = %q, want %d", got, s.Port)
	}
	resp, body = get(t, s.URL()+"/", "", "")
	if resp.StatusCode != 200 || body != "<p>index</p>\n" {
		t.Errorf("GET / = %d %q; want index.html", resp.StatusCode, body)
	}
}

func TestApacheBasicAuth(t *testing.T) {
	t.Parallel()
	dir := TempDir(t)
	users := filepath.Join(dir, "users")
	Htpasswd(t, users, "alice", "secret", "-B")
	Htpasswd(t, users, "carol", "pa55", "-s")
	s := Apache(t, `
<Directory "{{.Dir}}/htdocs">
	AuthType Basic
	AuthName "Members"
	AuthBasicProvider file
	AuthUserFile "`+users+`"
	Require valid-user
</Directory>`, File("htdocs/index.html", "members only\n"))

	resp, _ := get(t, s.URL()+"/", "", "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="Members"` {
		t.Errorf("no credentials: %d %q; want 401 Basic realm=\"Members\"", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = get(t, s.URL()+"/", "alice", "wrong")
	if resp.StatusCode != 401 {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}
	for _, c := range [][2]string{{"alice", "secret"}, {"carol", "pa55"}} {
		resp, body := get(t, s.URL()+"/", c[0], c[1])
		if resp.StatusCode != 200 || body != "members only\n" {
			t.Errorf("%s with the right password: %d %q; want 200", c[0], resp.StatusCode, body)
		}
	}
	if !strings.Contains(s.ErrorLog(), "Password Mismatch") {
		t.Errorf("error log does not record the mismatch:\n%s", s.ErrorLog())
	}
	if !strings.Contains(s.AccessLog(), "alice") {
		t.Errorf("access log does not name the user:\n%s", s.AccessLog())
	}
}

func TestStopIsIdempotent(t *testing.T) {
	t.Parallel()
	s := Nginx(t, "server { listen {{.Addr}}; return 200; }")
	s.Stop()
	s.Stop()
	if _, err := http.Get(s.URL()); err == nil {
		t.Errorf("server still answers after Stop")
	}
}

func TestHtpasswdFlags(t *testing.T) {
	t.Parallel()
	dir := TempDir(t)
	path := filepath.Join(dir, "users")
	prefixes := map[string]string{"-B": "$2y$", "-m": "$apr1$", "-s": "{SHA}", "-p": "plain-pass"}
	for _, flag := range []string{"-B", "-m", "-s", "-p"} {
		Htpasswd(t, path, "u"+flag[1:], "plain-pass", flag)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"-B", "-m", "-s", "-p"} {
		want := "u" + flag[1:] + ":" + prefixes[flag]
		if !strings.Contains(string(b), want) {
			t.Errorf("htpasswd %s: file lacks %q:\n%s", flag, want, b)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o004 == 0 {
		t.Errorf("password file mode %v is not readable by others", fi.Mode())
	}
}

func TestCheckNginxListen(t *testing.T) {
	for _, tc := range nginxListenCases {
		err := checkNginxListen(tc.conf)
		if (err == nil) != tc.ok {
			t.Errorf("checkNginxListen(%q) = %v, want ok=%v", tc.conf, err, tc.ok)
		}
	}
}

var nginxListenCases = []struct {
	conf string
	ok   bool
}{
	{"server { listen 127.0.0.1:8080; }", true},
	{"server { listen 127.0.0.1:8080 default_server; location / { return 200; } }", true},
	{"server { listen \"127.0.0.1:8080\"; }", true},
	{"server { listen unix:/tmp/x.sock; }", true},
	{"upstream u { server 127.0.0.1:9; } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } }", true},
	{"map $x ${y} { default 1; }", true},
	{"server { # listen 0.0.0.0:80;\n listen 127.0.0.1:80; }", true},
	{"", true},
	{"server { listen 8080; }", false},
	{"server { listen 0.0.0.0:8080; }", false},
	{"server { listen [::]:8080; }", false},
	{"server { listen *:8080; }", false},
	{"server { listen localhost:8080; }", false},
	{"server { listen 127.0.0.1:0; }", false},
	{"server { listen 127.0.0.1:http; }", false},
	{"server { listen; }", false},
	{"server { location / { return 200; } }", false},
	{"server { location / { listen 127.0.0.1:1; } }", false},
	{"server { listen 127.0.0.1:1; ", false},
	{"}", false},
}

func TestCheckApacheListen(t *testing.T) {
	for _, tc := range apacheListenCases {
		err := checkApacheListen(tc.conf)
		if (err == nil) != tc.ok {
			t.Errorf("checkApacheListen(%q) = %v, want ok=%v", tc.conf, err, tc.ok)
		}
	}
}

var apacheListenCases = []struct {
	conf string
	ok   bool
}{
	{"Listen 127.0.0.1:8080", true},
	{"listen 127.0.0.1:8080 http", true},
	{"# Listen 80\n<VirtualHost 127.0.0.1:8080>\n</VirtualHost>", true},
	{"ServerName x\nListen \\\n 127.0.0.1:9000", true},
	{"Listen 80", false},
	{"  LISTEN 0.0.0.0:80", false},
	{"Listen [::1]:80", false},
	{"Listen", false},
	{"Listen \\\n80", false},
}

func FuzzCheckNginxListen(f *testing.F) {
	for _, tc := range nginxListenCases {
		f.Add(tc.conf)
	}
	f.Fuzz(func(t *testing.T, conf string) {
		err := checkNginxListen(conf)
		if err2 := checkNginxListen(conf); (err == nil) != (err2 == nil) {
			t.Fatalf("not deterministic")
		}
		if err == nil {
			// Whatever the check accepts, every listen statement it saw
			// names the loopback address or a unix socket.
			toks := nginxTokens(conf)
			for i, tk := range toks {
				if tk.text == "listen" && (i == 0 || toks[i-1].text == ";" || toks[i-1].text == "{" || toks[i-1].text == "}") && i+1 < len(toks) {
					if loopbackListen(toks[i+1].text) != nil {
						t.Fatalf("accepted listen %q", toks[i+1].text)
					}
				}
			}
		}
	})
}

func FuzzCheckApacheListen(f *testing.F) {
	for _, tc := range apacheListenCases {
		f.Add(tc.conf)
	}
	f.Fuzz(func(t *testing.T, conf string) {
		_ = checkApacheListen(conf)
	})
}
