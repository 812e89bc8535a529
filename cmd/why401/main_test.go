package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/why401/why401/internal/cmd/root"
	"github.com/why401/why401/internal/lab"
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
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"schema": cmdSchema},
		Setup: func(env *testscript.Env) error {
			l, err := lab.New(lab.Options{Addr: "127.0.0.1:0"})
			if err != nil {
				return err
			}
			if err := l.Start(); err != nil {
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
