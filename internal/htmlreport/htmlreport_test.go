package htmlreport_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/why401/why401/internal/htmlreport"
)

func render(t *testing.T, data []byte, o htmlreport.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := htmlreport.RenderJSON(&b, data, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestProbeReport(t *testing.T) {
	data, err := os.ReadFile("testdata/probe-token-expired.json")
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, data, htmlreport.Options{})
	for _, want := range []string{
		"<!DOCTYPE html>",
		`data-command="probe"`,
		"The token has expired",
		`href="https://github.com/why401/why401/blob/main/docs/causes.md#token-expired"`,
		"If you are visiting the site",
		"Log out and log in again",
		"Other causes",
		"credentials-rejected",
		"Replay it",
		"curl -v -H &#34;Authorization: Bearer $TOKEN&#34;",
		"<strong>Authorization</strong> sent",
		"<strong>Authorization</strong> not sent: <span>left out on purpose by this variant",
		"CORS preflight",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Self-contained: no external fetches, no script.
	for _, bad := range []string{"<script", "<link", "src=\"http", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// The token is shown by shape only, as in the JSON.
	if strings.Contains(page, "eyJhbGciOiJFUzI1NiIs") {
		t.Error("page carries the token")
	}
}

func TestHARReport(t *testing.T) {
	data, err := os.ReadFile("testdata/har-jwt-expired.json")
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, data, htmlreport.Options{DocBase: "/"})
	for _, want := range []string{
		`data-command="har"`, "Timeline", "breaking point", `href="/docs/causes.md#token-expired"`, "Recorded by chromium",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestTolerant renders documents missing every section, with sections of
// the wrong type, and with sections the renderer does not know.
func TestTolerant(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"verdict":"ok"}`,
		`{"findings":[{"cause":"x.y"}]}`,
		`{"findings":"nope","exchanges":3,"timeline":{},"replay":42}`,
		`{"command":"audit","findings":[{"cause":"nginx.auth_basic_file_missing","severity":"error","title":"T","message":"M","location":{"file":"nginx.conf","line":3},"fixes":[{"text":"do it"}]}],"files":["nginx.conf"],"counts":{"error":1}}`,
		`{"command":"check","results":[{"step":"a","status":"pass","evidence":["x"]}],"findings":[{"cause":"a.b","fixes":{"owner":[{"text":"F","command":"c"}]},"band":"strong","doc":"docs/causes.md#a-b"}]}`,
		`{"command":"probe","token":{"shape":"JWT, ES256, expired 2 h ago","claims":{"aud":"api"}}}`,
	} {
		page := render(t, []byte(doc), htmlreport.Options{})
		if !strings.Contains(page, "</html>") {
			t.Errorf("%s: page incomplete", doc)
		}
	}
	page := render(t, []byte(`{"command":"audit","findings":[{"cause":"c.d","title":"T","message":"M","location":{"file":"nginx.conf","line":3,"column":2},"fixes":[{"text":"do it"}]}],"files":["nginx.conf"],"counts":{"error":1}}`), htmlreport.Options{})
	for _, want := range []string{"nginx.conf:3:2", "If you run the site", "do it", "Files", "Counts"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	page = render(t, []byte(`{"command":"probe","token":{"shape":"JWT, ES256, expired 2 h ago"}}`), htmlreport.Options{})
	if !strings.Contains(page, "JWT, ES256, expired 2 h ago") {
		t.Error("token section not rendered")
	}
	for _, bad := range []string{``, `[]`, `null`, `"x"`, `{`} {
		var b bytes.Buffer
		if err := htmlreport.RenderJSON(&b, []byte(bad), htmlreport.Options{}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestEscapes(t *testing.T) {
	page := render(t, []byte(`{"summary":"<script>alert(1)</script>","findings":[{"cause":"a","title":"<img src=x>","evidence":["<b>"]}]}`), htmlreport.Options{})
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x>") || strings.Contains(page, "<b>") {
		t.Error("markup from the document reached the page unescaped")
	}
}

func TestDownloads(t *testing.T) {
	page := render(t, []byte(`{"command":"probe","summary":"s"}`), htmlreport.Options{Fragment: true, Downloads: true})
	if strings.Contains(page, "<!DOCTYPE") || !strings.Contains(page, `href="data:text/html;charset=utf-8;base64,`) || !strings.Contains(page, `href="data:application/json;base64,`) {
		t.Errorf("fragment with downloads: %s", page)
	}
}

func FuzzRenderJSON(f *testing.F) {
	for _, name := range []string{"testdata/probe-token-expired.json", "testdata/har-jwt-expired.json"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"findings":[{"fixes":[{"text":"x"}]}],"replay":{"exchanges":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b bytes.Buffer
		_ = htmlreport.RenderJSON(&b, data, htmlreport.Options{Fragment: true, Downloads: true})
	})
}
