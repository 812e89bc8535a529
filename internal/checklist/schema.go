package checklist

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of a checklist file, for
// editors (yaml-language-server: $schema=...). docs/checklist.schema.json
// is the same document.
//
//go:embed schema.json
var Schema []byte
