package analysis

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/why401/why401/internal/catalog"
)

// catalogConstants maps the names of the catalog's ID constants to their
// values, read from the catalog's source.
func catalogConstants(t *testing.T) map[string]catalog.ID {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../catalog/ids.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]catalog.ID{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, name := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, _ := strconv.Unquote(lit.Value)
					out[name.Name] = catalog.ID(v)
				}
			}
		}
		return true
	})
	return out
}

// TestCausesListsWhatTheCodeNames compares Causes with the catalog IDs the
// package's code refers to, so the list cannot drift from the analysis.
func TestCausesListsWhatTheCodeNames(t *testing.T) {
	consts := catalogConstants(t)
	named := map[catalog.ID]string{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "causes.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "catalog" {
				if id, ok := consts[sel.Sel.Name]; ok {
					named[id] = fset.Position(sel.Pos()).String()
				}
			}
			return true
		})
	}
	for id, where := range named {
		if !slices.Contains(Causes, id) {
			t.Errorf("%s names %s, which Causes does not list", where, id)
		}
	}
	for _, id := range Causes {
		if _, ok := named[id]; !ok {
			t.Errorf("Causes lists %s, which no code of the package names", id)
		}
	}
}
