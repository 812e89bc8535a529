package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/lab"
	"github.com/why401/why401/internal/lab/labtest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"why401": func() { os.Exit(root.Main(os.Args[1:])) },
	})
}

// TestScripts runs testdata/script/*.txtar against a lab started for each
// script: $LAB is its URL, $TOKEN a valid bearer token, $EXPIRED an
// expired one, $FOREIGN one signed by a key the lab does not publish.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") == "1",
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"schema": cmdSchema, "stable": cmdStable},
		Setup: func(env *testscript.Env) error {
			l, err := labtest.Open(lab.Options{})
			if err != nil {
				return err
			}
			env.Defer(func() { l.Close() })
			now := time.Now()
			env.Setenv("LAB", l.URL())
			env.Setenv("LABTLS", l.TLSURL())
			env.Setenv("LABCA", l.CAFile())
			env.Setenv("TOKEN", l.Token(nil))
			env.Setenv("EXPIRED", l.Token(map[string]any{"exp": now.Add(-2 * time.Hour).Unix(), "iat": now.Add(-3 * time.Hour).Unix()}))
			env.Setenv("FOREIGN", l.ForeignToken(nil))
			env.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

// reportSchema is the one output contract, compiled once.
var reportSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(filepath.Join("..", "..", "docs", "report.schema.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("report.schema.json")
})

// cmdSchema is the script command "schema FILE...": each file must be a
// JSON document valid against docs/report.schema.json.
func cmdSchema(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: schema FILE...")
	}
	sch, err := reportSchema()
	if err != nil {
		ts.Fatalf("report schema: %v", err)
	}
	for _, name := range args {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(ts.ReadFile(name)))
		if err != nil {
			ts.Fatalf("%s: not JSON: %v", name, err)
		}
		err = sch.Validate(doc)
		switch {
		case err != nil && !neg:
			ts.Fatalf("%s does not follow docs/report.schema.json: %v", name, err)
		case err == nil && neg:
			ts.Fatalf("%s follows docs/report.schema.json, which it should not", name)
		}
	}
}

// varying are what changes from one run to the next in why401's output,
// and what stands for it in golden files: clocks and dates, how long
// things took, and tokens minted for the run.
var varying = []struct {
	re   *regexp.Regexp
	with string // as regexp.ReplaceAllString takes it: $$ is a dollar
}{
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`), "$$JWT"},
	{regexp.MustCompile(`(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d (GMT|UTC)`), "$$DATE"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d| UTC)?`), "$$TIME"},
	{regexp.MustCompile(`\b\d{4}-\d\d-\d\d\b`), "$$DAY"},
	{regexp.MustCompile(`"(dns|connect|tls|ttfb|total|[a-z_]+_ns)": \d+`), `"$1": 0`},
	{regexp.MustCompile(`\b1[6-9]\d{8}\b`), "$$UNIX"},
	{regexp.MustCompile(`(jti"?:\s*"?)[0-9a-f]{16,}`), "${1}$$JTI"},
	{regexp.MustCompile(`\b(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)\b|\b\d+h\d+m\b|\b\d+[hd]\b`), "$$DURATION"},
}

// cmdStable is the script command "stable SRC DST": it writes SRC (stdout,
// stderr or a file) to DST with the script's directory written $WORK,
// the lab's addresses $LAB, $LABTLS and $LABADDR, and what varies between runs (see varying)
// replaced, so that cmp can hold DST to a golden file.
func cmdStable(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: stable SRC DST")
	}
	s := ts.ReadFile(args[0])
	s = strings.ReplaceAll(s, ts.Getenv("WORK"), "$WORK")
	for _, name := range []string{"LABTLS", "LAB"} {
		if v := ts.Getenv(name); v != "" {
			s = strings.ReplaceAll(s, v, "$"+name)
			if u, err := url.Parse(v); err == nil {
				s = strings.ReplaceAll(s, u.Host, "$"+name+"ADDR")
			}
		}
	}
	for _, v := range varying {
		s = v.re.ReplaceAllString(s, v.with)
	}
	if err := os.WriteFile(ts.MkAbs(args[1]), []byte(s), 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
}
