package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/why401/why401/internal/audit"
	"github.com/why401/why401/internal/catalog"
)

// findings audits real fixtures of the audit package.
func findings(t *testing.T) []audit.Finding {
	t.Helper()
	var ins []audit.Input
	for _, f := range []string{"nginx/scope.conf", "nginx/passwdhash.conf", "apache/passwdfile.conf", "apache/challenge.conf"} {
		p, _ := filepath.Abs(filepath.Join("..", "audit", "testdata", f))
		ins = append(ins, audit.Input{Path: p, ServerRoot: filepath.Dir(p), Kind: audit.Kind(strings.Split(f, "/")[0])})
	}
	ev, err := audit.Load(ins)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := audit.Run(audit.All, ev)
	if err != nil || len(fs) < 5 {
		t.Fatalf("audit: %d findings, %v", len(fs), err)
	}
	return fs
}

func render(t *testing.T, fs []audit.Finding, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, fs, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStructure checks what SARIF 2.1.0 requires and what code scanning
// reads, on a generic decode of the output.
func TestStructure(t *testing.T) {
	fs := findings(t)
	base, _ := filepath.Abs(filepath.Join("..", ".."))
	out := render(t, fs, Options{ToolVersion: "test", BaseDir: base})
	var log map[string]any
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if log["version"] != "2.1.0" || log["$schema"] == nil {
		t.Fatalf("version/$schema: %v %v", log["version"], log["$schema"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("runs = %d", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "why401" {
		t.Errorf("driver name %v", driver["name"])
	}
	rules := driver["rules"].([]any)
	ruleIDs := map[string]int{}
	for i, r := range rules {
		rm := r.(map[string]any)
		ruleIDs[rm["id"].(string)] = i
		if rm["shortDescription"].(map[string]any)["text"] == "" {
			t.Errorf("rule %v without shortDescription", rm["id"])
		}
		if want := catalog.DocURL(catalog.ID(rm["id"].(string))); rm["helpUri"] != want {
			t.Errorf("rule %v: helpUri %v, want %s", rm["id"], rm["helpUri"], want)
		}
	}
	results := run["results"].([]any)
	if len(results) != len(fs) {
		t.Fatalf("results = %d, findings = %d", len(results), len(fs))
	}
	for i, r := range results {
		rm := r.(map[string]any)
		id := rm["ruleId"].(string)
		if idx, ok := ruleIDs[id]; !ok || int(rm["ruleIndex"].(float64)) != idx {
			t.Errorf("result %d: ruleId %s / ruleIndex %v do not match the rules", i, id, rm["ruleIndex"])
		}
		if lv := rm["level"]; lv != "error" && lv != "warning" && lv != "note" {
			t.Errorf("result %d: level %v", i, lv)
		}
		if rm["message"].(map[string]any)["text"] == "" {
			t.Errorf("result %d: empty message", i)
		}
		pl := rm["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		art := pl["artifactLocation"].(map[string]any)
		uri := art["uri"].(string)
		if art["uriBaseId"] != BaseID || !strings.HasPrefix(uri, "internal/audit/testdata/") {
			t.Errorf("result %d: uri %q base %v, want relative to the repository", i, uri, art["uriBaseId"])
		}
		if line := pl["region"].(map[string]any)["startLine"].(float64); int(line) != fs[i].Location.Line {
			t.Errorf("result %d: startLine %v, want %d", i, line, fs[i].Location.Line)
		}
	}
	// Without a base, paths are absolute file URIs.
	out = render(t, fs[:1], Options{})
	if !bytes.Contains(out, []byte(`"uri": "file:///`)) {
		t.Errorf("without BaseDir: %s", out)
	}
	// No findings is still a valid log with one run and no results.
	out = render(t, nil, Options{})
	if !bytes.Contains(out, []byte(`"results": []`)) || !bytes.Contains(out, []byte(`"rules": []`)) {
		t.Errorf("empty log: %s", out)
	}
}

// SchemaPath is where scripts/install-deps.sh puts the official SARIF
// 2.1.0 JSON schema (from the npm package @microsoft/jest-sarif);
// WHY401_SARIF_SCHEMA overrides it.
const SchemaPath = "/usr/local/share/why401/sarif-schema-2.1.0.json"

// TestSchema validates the output against the official schema.
func TestSchema(t *testing.T) {
	path := os.Getenv("WHY401_SARIF_SCHEMA")
	if path == "" {
		path = SchemaPath
	}
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SARIF schema not installed (%v): run scripts/install-deps.sh", err)
		}
		t.Skipf("SARIF schema not installed (%v): run scripts/install-deps.sh", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("file:///sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file:///sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := filepath.Abs(filepath.Join("..", ".."))
	fs := findings(t)
	for name, out := range map[string][]byte{
		"relative": render(t, fs, Options{ToolVersion: "test", BaseDir: base}),
		"absolute": render(t, fs, Options{}),
		"empty":    render(t, nil, Options{}),
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: not valid SARIF 2.1.0: %v", name, err)
		}
	}
	// The validator must be able to fail.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{}}]}`))
	if sch.Validate(bad) == nil {
		t.Error("the schema accepted a run without a driver")
	}
}

func TestRuleName(t *testing.T) {
	if got := ruleName("server.htpasswd-file"); got != "ServerHtpasswdFile" {
		t.Errorf("ruleName = %q", got)
	}
}
