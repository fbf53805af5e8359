package graph

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"


	"github.com/jamforelse/api/store"
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

// BenchmarkComparisonCells measures what the cell writer saves: the dashboard's comparison of the
// 2,000 SFI providers of municipality 2000 (12,000 cells) with the cells written directly, and with
// every field through gqlgen. It runs on the national data set NATIONAL_DB (`server generate`).
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
	for name, opts := range map[string]Options{"cells written directly": {}, "every field by gqlgen": {everyFieldByGqlgen: true}} {
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
