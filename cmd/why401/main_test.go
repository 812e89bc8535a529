package main

import (
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

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
