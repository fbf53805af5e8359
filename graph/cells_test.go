package graph

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The comparison's cells are written directly when a query asks only for their figures (cells.go). The
// answer must be byte for byte gqlgen's, whatever the selection looks like, and selections it cannot
// answer must go through gqlgen.
func TestCellsAreWrittenAsGqlgenWritesThem(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	gqlgen := &testAPI{db: api.db, exec: NewExecutor(api.db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{everyFieldByGqlgen: true})}
	selections := map[string]string{
		"the dashboard's":          `metric { id } value valueWomen valueMen sampleSize suppressed rank rankOf illustrative`,
		"why withheld":             `suppressed suppressionReason value`,
		"aliases and repeats":      `v: value again: value rank r: rank metric { i: id id }`,
		"type names":               `__typename metric { __typename id } value`,
		"fragments":                `...figures ... on ComparisonCell { suppressed metric { ... on Node { id } } }`,
		"skip and include":         `value @include(if: $yes) rank @skip(if: $yes) rankOf @skip(if: $no) metric @include(if: $no) { id }`,
		"merged metric selections": `metric { id } metric { __typename } value`,
		"the metric's name":        `metric { id name } value`,
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
				vars := map[string]any{"period": period}
				want, got := string(gqlgen.run(t, "", query, vars)), string(api.run(t, "", query, vars))
				if !strings.Contains(want, `"cells":[{`) || strings.Contains(want, `"errors"`) {
					t.Fatalf("%s: the seed data should answer with cells and no errors: %.300s", period, want)
				}
				if got != want {
					t.Errorf("%s: written directly\n%.600s\ngqlgen\n%.600s", period, got, want)
				}
			}
		})
	}
}

// Only selections of figures and the metric's ID are written directly; anything else is gqlgen's.
func TestCellsWrittenDirectlyOnlyForFigures(t *testing.T) {
	schema := loadSchema(t)
	for selection, direct := range map[string]bool{
		`metric { id } value valueWomen valueMen sampleSize suppressed rank rankOf illustrative`: true,
		`suppressionReason`:                         true,
		`__typename v: value metric { __typename }`: true,
		`metric { id name }`:                        false,
		`observation { id }`:                        false,
		`rank ... @defer { value }`:                 false,
	} {
		doc, errs := gqlparser.LoadQuery(schema, `{ comparison(serviceArea: "ServiceArea:sfi", period: "2018") { rows { cells { `+selection+` } } } }`)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		cells := doc.Operations[0].SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field).SelectionSet[0].(*ast.Field).SelectionSet
		oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{}}
		if _, ok := collectCellFields(oc, cells, comparisonCellImplementors, true); ok != direct {
			t.Errorf("cells { %s }: written directly %v, want %v", selection, ok, direct)
		}
	}
}
