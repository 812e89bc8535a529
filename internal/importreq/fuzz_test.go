package importreq

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/why401/why401/internal/curlcmd"
)

// seeds adds the fixtures matching pattern and some small texts.
func seeds(f *testing.F, pattern string, more ...string) {
	files, _ := filepath.Glob(pattern)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range more {
		f.Add([]byte(s))
	}
}

// fuzzLoad runs a reader over each of the first requests of data: no
// panic, errors on one line, an accepted request maps to options with a URL.
func fuzzLoad(t *testing.T, data []byte, load func(string, []byte, Options) (*Request, []string, error)) {
	file := filepath.Join(t.TempDir(), "in")
	for i := 1; i <= 4; i++ {
		r, _, err := load(file, data, Options{Request: "#" + strconv.Itoa(i), Getenv: func(string) string { return "" }})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		c, err := curlcmd.FromArgs(r.Args())
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			continue
		}
		if c.Options.URL == "" {
			t.Fatal("accepted without a URL")
		}
	}
}

func FuzzPostman(f *testing.F) {
	seeds(f, "testdata/postman/*.json",
		`{"item":[{"name":"a","request":"http://x.test/{{v}}"}],"variable":[{"key":"v","value":"{{v}}"}]}`,
		`{"item":[{"item":[{"request":{"url":{"host":["x","test"],"path":[":id"],"variable":[{"key":"id","value":"1"}]},"auth":{"type":"apikey","apikey":{"in":"query","key":"k","value":"v"}}}}]}]}`,
		`{"collection":{"item":[{"request":{"method":"POST","url":"x.test","body":{"mode":"formdata","formdata":[{"key":"a","value":1}]}}}]}}`)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, data, loadPostman) })
}

func FuzzHTTPFile(f *testing.F) {
	seeds(f, "testdata/http/*.http", "GET http://x.test/\n\n{{$guid}}", "@a={{a}}\n###\nPOST x.test\n    ?q=1\nAuthorization: Basic a b\n\n< ./x\n> {%\n%}\n")
	files, _ := filepath.Glob("testdata/http/*.rest")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, data, loadHTTPFile) })
}
