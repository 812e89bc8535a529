// Command idgen derives the catalog's ID constants from its causes table,
// so the table is the one list of causes: each entry's `ID: "..."` string
// becomes a constant in ids.go, named from the ID's words
// ("request.content-type" is RequestContentType, "url.wrong" URLWrong),
// and every ID not yet published is appended to
// testdata/published-ids.txt, whose lines are never rewritten. It is run
// by go generate in internal/catalog:
//
//	go generate ./internal/catalog
//
// It reads causes.go as Go source rather than importing the catalog, so it
// works while ids.go still lacks a new entry's constant.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	causes := flag.String("causes", "causes.go", "the causes table to read")
	ids := flag.String("ids", "ids.go", "the constants file to write")
	published := flag.String("published", "testdata/published-ids.txt", "the published-IDs list to append new IDs to")
	flag.Parse()
	if err := run(*causes, *ids, *published); err != nil {
		fmt.Fprintln(os.Stderr, "idgen:", err)
		os.Exit(1)
	}
}

func run(causesPath, idsPath, publishedPath string) error {
	src, err := os.ReadFile(causesPath)
	if err != nil {
		return err
	}
	list, err := TableIDs(causesPath, src)
	if err != nil {
		return err
	}
	out, err := Constants(list)
	if err != nil {
		return err
	}
	if err := os.WriteFile(idsPath, out, 0o644); err != nil {
		return err
	}
	pub, err := os.ReadFile(publishedPath)
	if err != nil {
		return err
	}
	add := Unpublished(pub, list)
	if len(add) == 0 {
		return nil
	}
	f, err := os.OpenFile(publishedPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(strings.Join(add, "\n") + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// idPattern is the shape of a cause ID: lowercase dotted words.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+$`)

// TableIDs returns the IDs of the entries of the causes table in src, in
// table order: the string value of every `ID:` key in a Cause composite
// literal. An entry whose ID is not a string literal, not of an ID's
// shape, or repeated, is an error naming its line.
func TableIDs(name string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]token.Position{}
	var bad error
	ast.Inspect(f, func(n ast.Node) bool {
		cl, ok := n.(*ast.CompositeLit)
		if !ok || bad != nil {
			return bad == nil
		}
		if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "Cause" {
			// The table's entries are written without their type, inside a
			// []Cause literal.
			if at, ok := cl.Type.(*ast.ArrayType); !ok || !isIdent(at.Elt, "Cause") {
				return true
			}
			for _, e := range cl.Elts {
				if entry, ok := e.(*ast.CompositeLit); ok {
					if err := entryID(fset, entry, &ids, seen); err != nil {
						bad = err
						return false
					}
				}
			}
			return false
		}
		if err := entryID(fset, cl, &ids, seen); err != nil {
			bad = err
		}
		return false
	})
	if bad != nil {
		return nil, bad
	}
	if len(ids) == 0 {
		return nil, errors.New(name + ": no causes table ([]Cause{...}) found")
	}
	return ids, nil
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func entryID(fset *token.FileSet, cl *ast.CompositeLit, ids *[]string, seen map[string]token.Position) error {
	for _, e := range cl.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok || !isIdent(kv.Key, "ID") {
			continue
		}
		pos := fset.Position(kv.Pos())
		lit, ok := kv.Value.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return fmt.Errorf("%s: the entry's ID is not a string literal: write it as ID: \"group.name\"", pos)
		}
		v, err := strconv.Unquote(lit.Value)
		if err != nil {
			return fmt.Errorf("%s: %v", pos, err)
		}
		if !idPattern.MatchString(v) {
			return fmt.Errorf("%s: %q is not a cause ID (lowercase dotted words, such as token.expired)", pos, v)
		}
		if first, dup := seen[v]; dup {
			return fmt.Errorf("%s: %s is already the ID of the entry at line %d", pos, v, first.Line)
		}
		seen[v] = pos
		*ids = append(*ids, v)
		return nil
	}
	return fmt.Errorf("%s: a causes entry without an ID", fset.Position(cl.Pos()))
}

// spelling is how a word of an ID is written in a Go identifier when it is
// not just capitalised: Go's initialisms and the project's compound names.
var spelling = map[string]string{
	"acl": "ACL", "cors": "CORS", "dns": "DNS", "ip": "IP", "jwks": "JWKS", "jwt": "JWT",
	"ntlm": "NTLM", "oauth": "OAuth", "oidc": "OIDC", "ratelimit": "RateLimit", "rest": "REST",
	"samesite": "SameSite", "tls": "TLS", "url": "URL", "waf": "WAF", "wordpress": "WordPress",
	"api": "API", "csrf": "CSRF", "http": "HTTP", "https": "HTTPS", "sso": "SSO", "saml": "SAML",
	"mtls": "MTLS", "cdn": "CDN", "iis": "IIS", "ldap": "LDAP", "spn": "SPN",
}

// ConstName is the Go name of an ID's constant: its words, capitalised or
// spelled as Go spells initialisms.
func ConstName(id string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(id, func(r rune) bool { return r == '.' || r == '-' }) {
		if s, ok := spelling[w]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// Constants renders ids.go for the IDs in table order.
func Constants(ids []string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`// Code generated by idgen from causes.go; DO NOT EDIT.

package catalog

// The stable cause IDs, one constant per entry of the causes table
// (causes.go), named from the ID's words. They are a public contract:
// scripts and CI match on them, so one is never renamed, removed or
// reused (testdata/published-ids.txt holds every ID ever published and the
// tests hold the catalog to it).
const (
`)
	names := map[string]string{}
	for _, id := range ids {
		n := ConstName(id)
		if other, dup := names[n]; dup {
			return nil, fmt.Errorf("%s and %s would both be the constant %s: add a spelling for one of their words", other, id, n)
		}
		names[n] = id
		fmt.Fprintf(&b, "\t%s ID = %q\n", n, id)
	}
	b.WriteString(")\n")
	return format.Source(b.Bytes())
}

// Unpublished returns the IDs of list that the published-IDs file pub does
// not hold, in list order.
func Unpublished(pub []byte, list []string) []string {
	have := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(pub))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			have[l] = true
		}
	}
	var out []string
	for _, id := range list {
		if !have[id] {
			out = append(out, id)
		}
	}
	return out
}
