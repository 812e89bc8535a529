package checklist_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/why401/why401/internal/checklist"
)

// compileSchema compiles the embedded schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(checklist.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("checklist.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("checklist.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlToJSON converts a YAML document to the JSON value a schema sees.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var placeholders = strings.NewReplacer("{{LAB}}", "http://127.0.0.1:1", "{{TLS}}", "https://127.0.0.1:2", "{{EXPIRED}}", "https://127.0.0.1:3", "{{CA}}", "ca.pem",
	"{{NGINX}}", "http://127.0.0.1:4", "{{APACHE}}", "http://127.0.0.1:5")

func TestSchemaIsPublished(t *testing.T) {
	docs, err := os.ReadFile("../../docs/checklist.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(docs, checklist.Schema) {
		t.Error("docs/checklist.schema.json differs from internal/checklist/schema.json: copy it over")
	}
}

// TestSchemaAcceptsSamples validates every sample checklist (testdata and
// examples) against the schema, and checks the parser agrees.
func TestSchemaAcceptsSamples(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/*.yaml")
	ex, _ := filepath.Glob("../../examples/*.yaml")
	files = append(files, ex...)
	if len(ex) < 2 {
		t.Errorf("examples: %d checklists, want the WordPress and nginx API samples", len(ex))
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(placeholders.Replace(string(raw)))
		if err := s.Validate(yamlToJSON(t, data)); err != nil {
			t.Errorf("%s: schema: %v", name, err)
		}
		if _, err := checklist.Parse(name, data); err != nil {
			t.Errorf("parser: %v", err)
		}
	}
}

// TestSchemaRejects checks that the schema refuses what the parser
// refuses, so an editor flags it before a run does.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	bad := map[string]string{
		"inline password":  "endpoints:\n  - name: a\n    request: {url: http://h/, basic: {user: u, password: x}}\n    expect: authenticated\n",
		"inline bearer":    "endpoints:\n  - name: a\n    request: {url: http://h/, bearer: x}\n    expect: authenticated\n",
		"inline auth hdr":  "endpoints:\n  - name: a\n    request: {url: http://h/, headers: {Authorization: x}}\n    expect: authenticated\n",
		"unknown kind":     "endpoints:\n  - name: a\n    request: http://h/\n    expect: [authorised]\n",
		"unknown field":    "endpoints:\n  - name: a\n    request: http://h/\n    expect: [tls]\n    extra: 1\n",
		"no endpoints":     "version: 1\n",
		"bad samesite":     "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{cookie: {name: s, samesite: loose}}]\n",
		"basic and bearer": "endpoints:\n  - name: a\n    request: {url: http://h/, basic: {user: u, password: {env: P}}, bearer: {env: T}}\n    expect: tls\n",
		"bad duration":     "endpoints:\n  - name: a\n    request: http://h/\n    expect: [{token: {max_lifetime: soon}}]\n",
		"env and file":     "endpoints:\n  - name: a\n    request: {url: http://h/, bearer: {env: A, file: b}}\n    expect: tls\n",
	}
	for name, text := range bad {
		if err := s.Validate(yamlToJSON(t, []byte(text))); err == nil {
			t.Errorf("%s: schema accepts it", name)
		}
		if _, err := checklist.Parse("x.yaml", []byte(text)); err == nil {
			t.Errorf("%s: parser accepts it", name)
		}
	}
}
