package graph

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// testAPI is the GraphQL handler over a real SQLite file holding ds.
type testAPI struct {
	db  *store.DB
	h   http.Handler
	log *bytes.Buffer
}

func newTestAPI(t testing.TB, ds *store.Dataset) *testAPI {
	t.Helper()
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if ds != nil {
		if err := db.Replace(t.Context(), ds); err != nil {
			t.Fatal(err)
		}
	}
	var log bytes.Buffer
	return &testAPI{db: db, h: NewHandler(db, slog.New(slog.NewJSONHandler(&log, nil)), Options{}), log: &log}
}

func seedData(t testing.TB) *store.Dataset {
	t.Helper()
	ds, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// response is a GraphQL answer, decoded loosely so tests can walk it.
type response struct {
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	raw string
}

func (r response) codes() []string {
	var codes []string
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		codes = append(codes, code)
	}
	return codes
}

// query posts a query as a client would, and decodes the answer.
func (a *testAPI) query(t *testing.T, query string, variables map[string]any) response {
	t.Helper()
	return a.asToken(t, "", query, variables)
}

// mustQuery is query for cases that must answer without errors.
func (a *testAPI) mustQuery(t *testing.T, query string, variables map[string]any) map[string]any {
	t.Helper()
	r := a.query(t, query, variables)
	if len(r.Errors) > 0 {
		t.Fatalf("query answered with errors: %s", r.raw)
	}
	return r.Data
}

func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	return schema
}

// TestDashboardOperations runs every operation the dashboard sends, exactly as it sends it, against the
// seed data: each must validate against schema.graphqls and answer with no errors and with data in
// every list it asks for.
func TestDashboardOperations(t *testing.T) {
	schema := loadSchema(t)
	api := newTestAPI(t, seedData(t))
	files, _ := filepath.Glob("testdata/spa/*.graphql")
	if len(files) < 8 {
		t.Fatalf("found %d dashboard operations in testdata/spa, want the 8 of ../shared/spa", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			src, _ := os.ReadFile(file)
			if _, errs := gqlparser.LoadQueryWithRules(schema, string(src), nil); len(errs) > 0 {
				t.Fatalf("%s does not validate against schema.graphqls: %v", name, errs)
			}
			var vars map[string]any
			if raw, err := os.ReadFile(filepath.Join("testdata/spa/variables", name+".json")); err == nil {
				if err := json.Unmarshal(raw, &vars); err != nil {
					t.Fatal(err)
				}
			}
			data := api.mustQuery(t, string(src), vars)
			lists := map[string]bool{} // list path → seen non-empty somewhere
			walkLists(data, "", lists)
			for path, nonEmpty := range lists {
				if !nonEmpty {
					t.Errorf("%s: every %s list in the answer is empty", name, path)
				}
			}
		})
	}
}

// walkLists records, for each path of list fields (with list indexes left out), whether any list at
// that path has an element.
func walkLists(v any, path string, lists map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			walkLists(child, path+"."+k, lists)
		}
	case []any:
		lists[path] = lists[path] || len(v) > 0
		for _, child := range v {
			walkLists(child, path, lists)
		}
	}
}

// TestEverySchemaElementIsDescribed walks the schema by introspection, as GraphiQL does, and fails on
// any type, field, argument, input field or enum value a journalist would find without a description.
func TestEverySchemaElementIsDescribed(t *testing.T) {
	api := newTestAPI(t, nil)
	data := api.mustQuery(t, `{
		__schema { types {
			name kind description
			fields(includeDeprecated: true) { name description args { name description } }
			inputFields { name description }
			enumValues(includeDeprecated: true) { name description }
		} }
	}`, nil)
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	described := func(v any) bool { s, _ := v.(string); return strings.TrimSpace(s) != "" }
	missing := 0
	for _, raw := range data["__schema"].(map[string]any)["types"].([]any) {
		typ := raw.(map[string]any)
		name := typ["name"].(string)
		if strings.HasPrefix(name, "__") || builtin[name] {
			continue
		}
		report := func(what string) {
			missing++
			t.Errorf("%s has no description", what)
		}
		if !described(typ["description"]) {
			report("type " + name)
		}
		for _, f := range asList(typ["fields"]) {
			fname := name + "." + f["name"].(string)
			if !described(f["description"]) {
				report("field " + fname)
			}
			for _, a := range asList(f["args"]) {
				if !described(a["description"]) {
					report("argument " + fname + "(" + a["name"].(string) + ")")
				}
			}
		}
		for _, f := range asList(typ["inputFields"]) {
			if !described(f["description"]) {
				report("input field " + name + "." + f["name"].(string))
			}
		}
		for _, v := range asList(typ["enumValues"]) {
			if !described(v["description"]) {
				report("enum value " + name + "." + v["name"].(string))
			}
		}
	}
	if missing == 0 && len(data) == 0 {
		t.Fatal("introspection returned nothing")
	}
}

func asList(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}
