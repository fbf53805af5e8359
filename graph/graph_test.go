package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/google/go-cmp/cmp"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// testAPI is the executor over a real SQLite file holding ds.
type testAPI struct {
	db   *store.DB
	exec *executor.Executor
	log  *bytes.Buffer
}

func newTestAPI(t testing.TB, ds *store.Dataset) *testAPI {
	return newTestAPIWith(t, ds, Options{})
}

func newTestAPIWith(t testing.TB, ds *store.Dataset, opts Options) *testAPI {
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
	return &testAPI{db: db, exec: NewExecutor(db, slog.New(slog.NewJSONHandler(&log, nil)), opts), log: &log}
}

// run executes an operation as the HTTP layer does: its variables decoded from JSON, the caller's
// token (if any) in the context, a query in one read snapshot. It returns the answer as JSON.
func (a *testAPI) run(t testing.TB, secret, query string, variables map[string]any) []byte {
	t.Helper()
	return a.runIn(t, t.Context(), secret, query, variables)
}

// runWith is run for an anonymous query without variables, in ctx.
func (a *testAPI) runWith(t testing.TB, ctx context.Context, query string) []byte {
	t.Helper()
	return a.runIn(t, ctx, "", query, nil)
}

func (a *testAPI) runIn(t testing.TB, ctx context.Context, secret, query string, variables map[string]any) []byte {
	t.Helper()
	if secret != "" {
		token, err := a.db.Authenticate(ctx, secret)
		if err != nil && !errors.Is(err, store.ErrUnauthenticated) {
			t.Fatal(err)
		}
		ctx = WithToken(ctx, token)
	}
	params := &graphql.RawParams{Query: query}
	raw, _ := json.Marshal(variables)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&params.Variables); err != nil {
		t.Fatal(err)
	}
	ctx = graphql.StartOperationTrace(ctx)
	rc, errs := a.exec.CreateOperationContext(ctx, params)
	var resp *graphql.Response
	if errs != nil {
		resp = a.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
	} else {
		if rc.Operation.Operation == ast.Query {
			var end func()
			ctx, end = a.db.BeginRead(ctx)
			defer end()
		}
		responses, ctx := a.exec.DispatchOperation(ctx, rc)
		resp = responses(ctx)
	}
	answer, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return answer
}

// asToken runs an operation with a bearer token, as a publishing client would, and decodes the answer.
func (a *testAPI) asToken(t testing.TB, secret, query string, variables map[string]any) response {
	t.Helper()
	raw := a.run(t, secret, query, variables)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, raw)
	}
	r.raw = string(raw)
	return r
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

// query runs a query as an anonymous client would, and decodes the answer.
func (a *testAPI) query(t testing.TB, query string, variables map[string]any) response {
	t.Helper()
	return a.asToken(t, "", query, variables)
}

// mustQuery is query for cases that must answer without errors.
func (a *testAPI) mustQuery(t testing.TB, query string, variables map[string]any) map[string]any {
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

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the answers the code gives now")

// TestDashboardOperations runs every operation the dashboard sends, exactly as it sends it, against the
// seed data: each must validate against schema.graphqls, answer with data in every list it asks for,
// and answer exactly testdata/NAME.golden (go test ./graph -run TestDashboardOperations -update
// rewrites them, for review). Times of writing and the cursors made of them change with every load of
// the seed, so they are left out of the comparison.
func TestDashboardOperations(t *testing.T) {
	schema := loadSchema(t)
	api := newTestAPI(t, seedData(t))
	for _, file := range dashboardOperations(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			src, vars := readOperation(t, file)
			if _, errs := gqlparser.LoadQueryWithRules(schema, src, nil); len(errs) > 0 {
				t.Fatalf("%s does not validate against schema.graphqls: %v", name, errs)
			}
			data := api.mustQuery(t, src, vars)
			lists := map[string]bool{} // list path → seen non-empty somewhere
			walkLists(data, "", lists)
			for path, nonEmpty := range lists {
				if !nonEmpty {
					t.Errorf("%s: every %s list in the answer is empty", name, path)
				}
			}
			checkGolden(t, filepath.Join("testdata", name+".golden"), map[string]any{"data": withoutStamps(data)})
		})
	}
}

// dashboardOperations are the files of the dashboard's operations (testdata/spa, copied from ../shared/spa).
func dashboardOperations(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("testdata/spa/*.graphql")
	if len(files) < 8 {
		t.Fatalf("found %d dashboard operations in testdata/spa, want the 8 of ../shared/spa", len(files))
	}
	return files
}

// readOperation reads an operation and, if testdata/spa/variables has them under its name, its variables.
func readOperation(t *testing.T, file string) (query string, vars map[string]any) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := os.ReadFile(filepath.Join("testdata/spa/variables", strings.TrimSuffix(filepath.Base(file), ".graphql")+".json")); err == nil {
		if err := json.Unmarshal(raw, &vars); err != nil {
			t.Fatalf("%s's variables: %v", file, err)
		}
	}
	return string(src), vars
}

// checkGolden compares an answer with the golden file, or with -update writes it there.
func checkGolden(t *testing.T, path string, answer any) {
	t.Helper()
	got, err := json.MarshalIndent(answer, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("the answer differs from %s (-want +got):\n%s", path, diff)
	}
}

// stamps are the fields whose values are the time the seed was loaded, or made of it.
var stamps = map[string]bool{"updatedAt": true, "cursor": true, "startCursor": true, "endCursor": true}

// withoutStamps replaces the values of stamps in an answer by "…".
func withoutStamps(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, child := range v {
			if stamps[k] && child != nil {
				out[k] = "…"
			} else {
				out[k] = withoutStamps(child)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, child := range v {
			out[i] = withoutStamps(child)
		}
		return out
	}
	return v
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
	schema, _ := data["__schema"].(map[string]any)
	types, _ := schema["types"].([]any)
	if len(types) < 50 {
		t.Fatalf("introspection found %d types; the schema has more than 50", len(types))
	}
	for _, raw := range types {
		typ := raw.(map[string]any)
		name := typ["name"].(string)
		if strings.HasPrefix(name, "__") || builtin[name] {
			continue
		}
		report := func(what string) { t.Errorf("%s has no description", what) }
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
}

func asList(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}
