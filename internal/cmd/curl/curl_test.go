package curl_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/why401/why401/internal/cli"
	curlcmdcmd "github.com/why401/why401/internal/cmd/curl"
	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/curlcmd"
	"github.com/why401/why401/internal/lab/labtest"
)

type req struct {
	url     string
	method  string
	headers [][2]string
	cookie  string
	body    string
}

func (r req) request() curlcmd.Request {
	h := append([][2]string(nil), r.headers...)
	if r.cookie != "" {
		h = append(h, [2]string{"Cookie", r.cookie})
	}
	return curlcmd.Request{URL: r.url, Method: r.method, Headers: h, Body: r.body}
}

// chrome renders a request as Chrome copies it (bash or cmd).
func chrome(r req, cmd bool) string {
	if cmd {
		return curlcmd.Format(r.request(), curlcmd.ChromeCmd)
	}
	return curlcmd.Format(r.request(), curlcmd.ChromeBash)
}

// firefox renders a request as Firefox copies it (bash), with the
// headers Firefox always adds.
func firefox(r req) string {
	r.headers = append([][2]string{
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"Accept", "*/*"}, {"Accept-Encoding", "gzip, deflate"},
	}, r.headers...)
	r.headers = append(r.headers, [2]string{"Connection", "keep-alive"})
	return curlcmd.Format(r.request(), curlcmd.FirefoxBash)
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errb := cli.Test(stdin)
	code := root.MainIO(append([]string{"curl"}, args...), ios)
	return code, out.String(), errb.String()
}

func topCause(t *testing.T, out string) string {
	t.Helper()
	var r struct {
		Findings []struct{ Cause string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(r.Findings) == 0 {
		return ""
	}
	return r.Findings[0].Cause
}

// TestPastedAgainstLab pastes commands as Chrome (bash and cmd) and
// Firefox copy them and checks that the probe diagnoses each.
func TestPastedAgainstLab(t *testing.T) {
	l := labtest.Start(t)
	u := l.URL()
	now := time.Now()
	expired := l.Token(map[string]any{"exp": now.Add(-2 * time.Hour), "iat": now.Add(-3 * time.Hour)})
	ua := [2]string{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}
	cases := []struct {
		name string
		r    req
		want string
	}{
		{"expired token", req{url: u + "/api/items", headers: [][2]string{{"Accept", "application/json"}, {"Authorization", "Bearer " + expired}, ua}}, "token.expired"},
		{"stale cookie", req{url: u + "/cookie/dashboard", headers: [][2]string{ua}, cookie: "sid=3f9a-stale-session; theme=dark"}, "cookie.stale"},
		{"wrong password", req{url: u + "/basic/ok", headers: [][2]string{{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wrong'pass\""))}, ua}}, "credentials.rejected"},
		{"preflight challenged", req{url: u + "/cors/api", headers: [][2]string{{"Authorization", "Bearer " + l.Token(nil)}, {"Origin", "http://app.lab.test"}, ua}}, "cors.preflight-auth"},
		{"valid token", req{url: u + "/api/ok", headers: [][2]string{{"Authorization", "Bearer " + l.Token(nil)}, ua}}, ""},
	}
	for _, c := range cases {
		for form, text := range map[string]string{"chrome bash": chrome(c.r, false), "chrome cmd": chrome(c.r, true), "firefox bash": firefox(c.r)} {
			t.Run(c.name+"/"+form, func(t *testing.T) {
				code, out, errs := run(t, "", text, "--json")
				if got := topCause(t, out); got != c.want {
					t.Errorf("top cause %q, want %q (exit %d, stderr %q)\n%s", got, c.want, code, errs, text)
				}
				if strings.Contains(out, expired) {
					t.Error("the token reached the output without --show-secrets")
				}
			})
		}
	}
	t.Run("stdin", func(t *testing.T) {
		code, out, _ := run(t, chrome(cases[0].r, false)+"\n", "--json")
		if code != 1 || topCause(t, out) != "token.expired" {
			t.Errorf("exit %d, top %q", code, topCause(t, out))
		}
	})
	t.Run("notes", func(t *testing.T) {
		_, out, _ := run(t, firefox(cases[4].r), "--json")
		if !strings.Contains(out, "pasted command: dropped the Accept-Encoding header") {
			t.Errorf("no note about the dropped header:\n%s", out)
		}
	})
}

func TestArgs(t *testing.T) {
	f := &cli.Factory{IO: &cli.IOStreams{In: strings.NewReader("curl -X PUT 'http://x.test/a' -d 'k=v'"), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Version: "test"}
	var got *curlcmdcmd.Options
	cmd := curlcmdcmd.NewCmdCurl(f, func(o *curlcmdcmd.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"-"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if po := got.Command.Options; po.Method != "PUT" || po.URL != "http://x.test/a" || string(po.Data) != "k=v" || po.UserAgent != "why401/test" {
		t.Errorf("options %+v", po)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"curl --frobnicate http://x.test/"}, "why401: --frobnicate: unknown curl option\n"},
		{[]string{"curl", "http://x.test/"}, "one argument (quote it)"},
		{[]string{"   "}, "no command given"},
		{[]string{"wget http://x.test/"}, "why401: wget: not a curl command\n"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != cli.ExitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}
