package graph

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jamforelse/api/store"
)

// Values whose selection is plain are written directly (direct.go); every answer must be byte for byte
// the one gqlgen's executor writes field by field, whatever the selection looks like.

// bothWays is the seed's executor writing values directly, and one with every field through gqlgen.
func bothWays(t *testing.T) (direct, gqlgen *testAPI) {
	direct = newTestAPI(t, seedData(t))
	gqlgen = &testAPI{db: direct.db, exec: NewExecutor(direct.db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{everyFieldByGqlgen: true})}
	return direct, gqlgen
}

// sameAnswer runs a query both ways and fails unless the answers are the same bytes; the answer must
// hold data, so that a query both executors refuse cannot pass.
func sameAnswer(t *testing.T, direct, gqlgen *testAPI, query string, vars map[string]any, mustHold string) {
	t.Helper()
	want, got := string(gqlgen.run(t, "", query, vars)), string(direct.run(t, "", query, vars))
	if !strings.Contains(want, mustHold) || strings.Contains(want, `"errors"`) {
		t.Fatalf("the seed data should answer with %s and no errors: %.400s", mustHold, want)
	}
	if got != want {
		t.Errorf("written directly\n%.800s\ngqlgen\n%.800s", got, want)
	}
}

func TestDashboardAnswersAreWrittenAsGqlgenWritesThem(t *testing.T) {
	direct, gqlgen := bothWays(t)
	for _, file := range dashboardOperations(t) {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".graphql"), func(t *testing.T) {
			query, vars := readOperation(t, file)
			sameAnswer(t, direct, gqlgen, query, vars, `"data":{`)
		})
	}
}

func TestCellsAreWrittenAsGqlgenWritesThem(t *testing.T) {
	direct, gqlgen := bothWays(t)
	selections := map[string]string{
		"the dashboard's":          `metric { id } value valueWomen valueMen sampleSize suppressed rank rankOf illustrative`,
		"why withheld":             `suppressed suppressionReason value`,
		"aliases and repeats":      `v: value again: value rank r: rank metric { i: id id }`,
		"type names":               `__typename metric { __typename id } value`,
		"fragments":                `...figures ... on ComparisonCell { suppressed metric { ... on Node { id } } }`,
		"skip and include":         `value @include(if: $yes) rank @skip(if: $yes) rankOf @skip(if: $no) metric @include(if: $no) { id }`,
		"merged metric selections": `metric { id } metric { __typename } value`,
		"the metric's name":        `metric { id name unit direction } value`,
		"the observation":          `observation { id value } value`,
		"deferred figures":         `rank ... @defer { value }`,
	}
	for name, selection := range selections {
		t.Run(name, func(t *testing.T) {
			query := `query ($yes: Boolean = true, $no: Boolean = false, $period: String!) {
				comparison(serviceArea: "ServiceArea:sfi", period: $period) {
					rows { provider @include(if: $yes) @skip(if: $no) { id } cells { ` + selection + ` } }
				}
			}`
			if strings.Contains(selection, "...figures") {
				query += ` fragment figures on ComparisonCell { sampleSize valueMen }`
			}
			for _, period := range []string{"2018", "2018-HT", "2017"} {
				sameAnswer(t, direct, gqlgen, query, map[string]any{"period": period}, `"cells":[{`)
			}
		})
	}
}

// Other objects, lists and nulls than the dashboard's: nullable objects that are null (a figure about a
// whole municipality has no provider), lists of objects and of scalars, enums, money, fragments on
// interfaces, a value resolved by a resolver under plain fields and the reverse.
func TestOtherSelectionsAreWrittenAsGqlgenWritesThem(t *testing.T) {
	direct, gqlgen := bothWays(t)
	for name, q := range map[string]struct{ query, mustHold string }{
		"figures of whole municipalities": {`{ observations(first: 50, filter: {municipality: "0183"}) { edges { cursor node { id provider { id name } municipality { code name } metric { id unit direction formula { factor } paidFor { unit } } value } } pageInfo { hasNextPage endCursor } } }`, `"node":{`},
		"nodes, aliased, with fragments":  {`fragment f on Observation { p: period ... on Node { id } } { observations(first: 30) { nodes { __typename ...f metric { name } status note } } }`, `"nodes":[{`},
		"a node by its ID":                {`{ node(id: "Metric:sfi-pass-rate") { id ... on Metric { name unit derived relatedMetrics { id } } } }`, `"node":{`},
		"associations with money":         {`{ coordinationAssociations { id name annualBudget { ore sek currency } members { contribution { sek } share basis } targetGroups { __typename } milestones { date status } } }`, `"members":[{`},
		"metrics":                         {`{ metrics { id name nameEn unit direction koladaId headline formula { factor } } }`, `"metrics":[{`},
		"the dataset":                     {`{ dataset { title license updatedAt suppressBelow distributions { title format url filters } } }`, `"dataset":{`},
	} {
		t.Run(name, func(t *testing.T) { sameAnswer(t, direct, gqlgen, q.query, nil, q.mustHold) })
	}
}

// What can be written directly is every field bound to a value, down to the scalars; a resolver, a
// field with arguments, an interface, or @defer anywhere below sends the value through gqlgen.
func TestWhatIsWrittenDirectly(t *testing.T) {
	schema := loadSchema(t)
	for _, c := range []struct {
		selection string
		direct    bool
	}{
		{`edges { cursor node { id metric { id } provider { id } municipality { code } period value updatedAt } }`, true},
		{`nodes { __typename v: value ... on Node { id } }`, true},
		{`edges { node { metric { id name unit direction } source { title url illustrative } } }`, true},
		{`edges { node { revisions { value } } }`, false},                    // batched from the database
		{`edges { node { provider { id results { totalCount } } } }`, false}, // a resolver with arguments
		{`edges { node { provider { municipality { code } } } }`, false},     // a resolver
		{`totalCount edges { cursor }`, false},                               // a method that can fail
		{`pageInfo { hasNextPage endCursor } edges { cursor }`, true},
		{`edges { node { id ... @defer { value } } }`, false},
	} {
		doc, errs := gqlparser.LoadQuery(schema, `{ observations(first: 10) { `+c.selection+` } }`)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		sel := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet
		oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{}}
		if _, ok := collectPlainFields(oc, sel, "ObservationConnection"); ok != c.direct {
			t.Errorf("observations { %s }: written directly %v, want %v", c.selection, ok, c.direct)
		}
	}
}

// A null where the schema says non-null is gqlgen's to report as an error: the writer gives the value
// back instead of writing it; where the schema allows null, it writes null.
func TestNullsTheSchemaForbidsGoToGqlgen(t *testing.T) {
	fields := []plainField{{key: []byte(`"id":`), name: "id"}}
	for _, c := range []struct {
		name  string
		typ   *ast.Type
		value any
		want  string // "" when the writer refuses
	}{
		{"a missing metric, non-null", ast.NonNullNamedType("Metric", nil), (*store.Metric)(nil), ""},
		{"a missing metric, nullable", ast.NamedType("Metric", nil), (*store.Metric)(nil), "null"},
		{"a list with a hole, non-null elements", ast.NonNullListType(ast.NonNullNamedType("Metric", nil), nil), []*store.Metric{{ID: "Metric:a"}, nil}, ""},
		{"a list with a hole, nullable elements", ast.ListType(ast.NamedType("Metric", nil), nil), []*store.Metric{{ID: "Metric:a"}, nil}, `[{"id":"Metric:a"},null]`},
		{"no list, nullable", ast.ListType(ast.NonNullNamedType("Metric", nil), nil), []*store.Metric(nil), "null"},
		{"no list, non-null", ast.NonNullListType(ast.NonNullNamedType("Metric", nil), nil), []*store.Metric(nil), "[]"},
	} {
		w := directWriter{ctx: t.Context(), b: new(bytes.Buffer)}
		ok := w.writeValue(c.typ, fields, c.value)
		if got := w.b.String(); ok != (c.want != "") || ok && got != c.want {
			t.Errorf("%s: wrote %q (%v), want %q", c.name, got, ok, c.want)
		}
	}
}

// A value whose writing panics (here a figure read without its catalog) is given back to gqlgen, which
// runs it field by field and reports the panic on the field it comes from.
func TestAPanicWhileWritingGoesToGqlgen(t *testing.T) {
	metric := []plainField{{key: []byte(`"metric":`), name: "metric", fields: []plainField{{key: []byte(`"id":`), name: "id"}}}}
	w := directWriter{ctx: t.Context(), b: new(bytes.Buffer)}
	if w.write(ast.NamedType("Observation", nil), metric, &store.Observation{MetricID: "Metric:sfi-pass-rate"}) {
		t.Errorf("wrote %q for a figure without its catalog", w.b.String())
	}
}

// Writing directly is what saves gqlgen's work a field: a sync page takes a fraction of the allocations.
func TestWritingDirectlySavesAllocations(t *testing.T) {
	direct, gqlgen := bothWays(t)
	src, err := os.ReadFile("testdata/spa/SyncObservations.graphql")
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(api *testAPI) float64 {
		return testing.AllocsPerRun(5, func() { api.run(t, "", string(src), nil) })
	}
	if d, g := allocs(direct), allocs(gqlgen); d > g/3 {
		t.Errorf("a sync page took %.0f allocations written directly and %.0f through gqlgen: want at most a third", d, g)
	}
}

// BenchmarkComparisonCells measures what writing directly saves: the dashboard's comparison of the
// 2,000 SFI providers of municipality 2000 (12,000 cells), written directly and with every field
// through gqlgen. It runs on the national data set NATIONAL_DB (`server generate`).
func BenchmarkComparisonCells(b *testing.B) {
	path := os.Getenv("NATIONAL_DB")
	if path == "" {
		b.Skip("NATIONAL_DB names no national data set")
	}
	db, err := store.Open(b.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	query := `query ($metrics: [ID!]) {
		comparison(serviceArea: "ServiceArea:sfi", period: "2015-HT", municipality: "2000", metrics: $metrics) {
			rows { provider { id name operatingForm } cells { metric { id } value valueWomen valueMen sampleSize suppressed rank rankOf illustrative } }
		}
	}`
	vars := map[string]any{"metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate", "Metric:sfi-grade-a-b-share",
		"Metric:sfi-transition-rate", "Metric:sfi-passed-courses", "Metric:sfi-cost-per-passed-course"}}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for name, opts := range map[string]Options{"written directly": {}, "every field by gqlgen": {everyFieldByGqlgen: true}} {
		api := &testAPI{db: db, exec: NewExecutor(db, logger, opts)}
		b.Run(name, func(b *testing.B) {
			if answer := api.run(b, "", query, vars); !bytes.Contains(answer, []byte(`"cells":[{`)) || bytes.Contains(answer, []byte(`"errors"`)) {
				b.Fatalf("%.300s", answer)
			}
			b.ReportAllocs()
			for b.Loop() {
				api.run(b, "", query, vars)
			}
		})
	}
}
