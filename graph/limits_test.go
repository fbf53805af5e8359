package graph

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// TestDashboardOperationsFitTheLimits prices every dashboard operation, the README's sync loop at
// 1,000 a page with every field, and GraphiQL's introspection query: all fit well inside the limits, so
// the limits refuse only what no real client sends. Client libraries such as Apollo Client and urql add
// __typename to every selection: that costs nothing.
func TestDashboardOperationsFitTheLimits(t *testing.T) {
	schema := loadSchema(t)
	files, _ := filepath.Glob("testdata/spa/*.graphql")
	sync, _ := filepath.Glob("testdata/sync/*.graphql")
	files = append(append(files, sync...), "testdata/introspection.graphql")
	for _, file := range files {
		src, vars := readOperation(t, file)
		doc, errs := gqlparser.LoadQueryWithRules(schema, src, nil)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", file, errs)
		}
		c := measure(doc, doc.Operations[0], vars)
		t.Logf("%-28s cost %5d, depth %2d, fields %4d, aliases %d", filepath.Base(file), c.Cost, c.Depth, c.Fields, c.Aliases)
		if problem := DefaultLimits.check(Cost{Cost: c.Cost * 2, Depth: c.Depth, Fields: c.Fields * 2, Aliases: c.Aliases}); problem != "" {
			t.Errorf("%s at twice its size would be refused: %s", file, problem)
		}
		typed, errs := gqlparser.LoadQueryWithRules(schema, withTypenames(doc), nil)
		if len(errs) > 0 {
			t.Fatalf("%s with __typename: %v", file, errs)
		}
		if tc := measure(typed, typed.Operations[0], vars); tc.Cost != c.Cost {
			t.Errorf("%s costs %d with __typename in every selection, %d without; want the same", file, tc.Cost, c.Cost)
		}
	}
}

// withTypenames is a document with __typename added to every selection set, as Apollo Client and urql
// send it.
func withTypenames(doc *ast.QueryDocument) string {
	var add func(ast.SelectionSet) ast.SelectionSet
	add = func(set ast.SelectionSet) ast.SelectionSet {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if len(sel.SelectionSet) > 0 {
					sel.SelectionSet = add(sel.SelectionSet)
				}
			case *ast.InlineFragment:
				sel.SelectionSet = add(sel.SelectionSet)
			}
		}
		return append(set, &ast.Field{Name: "__typename", Alias: "__typename"})
	}
	for _, op := range doc.Operations {
		for _, sel := range op.SelectionSet {
			if f, ok := sel.(*ast.Field); ok && len(f.SelectionSet) > 0 {
				f.SelectionSet = add(f.SelectionSet)
			}
		}
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = add(f.SelectionSet)
	}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatQueryDocument(doc)
	return b.String()
}

// TestPricing runs operations with a Meter, as the HTTP layer gives every request: each is charged
// before it runs the objects it could return (scalars, __typename and single objects free, one at
// least) and answers that charge in rateLimit; one the meter refuses is RATE_LIMITED and one too large
// is QUERY_TOO_COMPLEX, and neither is charged or runs.
func TestPricing(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	var charged []int
	left := 50
	meter := func(cost int) (Quota, error) {
		q := Quota{Limit: 50, Cost: cost, Remaining: left, ResetAt: time.Unix(1795000000, 0)}
		if cost > left {
			q.RetryIn = 1500 * time.Millisecond
			return q, &RateLimitedError{Quota: q}
		}
		charged = append(charged, cost)
		left -= cost
		q.Remaining = left
		return q, nil
	}
	tests := []struct {
		query      string
		wantCharge []int // what the meter has taken after the query
		want       string
	}{
		{`{ rateLimit { cost limit remaining resetAt } }`, []int{1}, `{"data":{"rateLimit":{"cost":1,"limit":50,"remaining":49,"resetAt":"2026-11-18T11:06:40Z"}}}`},
		{`{ providers(first: 20) { nodes { id name __typename municipality { name } } } }`, []int{1, 21}, `"providers":{"nodes":[`},
		{`{ providers(first: 20) { edges { node { id } } } }`, []int{1, 21, 21}, `"providers":{"edges":[`},
		{`{ providers(first: 20) { nodes { id name } } }`, []int{1, 21, 21}, `{"errors":[{"message":"rate limit: this request costs 21 points and 7 are left of 50 a minute; try again in 2 s","extensions":{"code":"RATE_LIMITED","retryAfter":2}}],"data":null}`},
		{`{ providers(first: 100) { nodes { results(first: 1000) { nodes { value } } } } }`, []int{1, 21, 21}, `"code":"QUERY_TOO_COMPLEX","cost":100101`},
	}
	for _, tt := range tests {
		raw := string(api.runWith(t, WithMeter(t.Context(), meter), tt.query))
		if !slices.Equal(charged, tt.wantCharge) || !strings.Contains(raw, tt.want) {
			t.Errorf("%s: charged %v, answer %s; want %v charged and %s", tt.query, charged, raw, tt.wantCharge, tt.want)
		}
	}
}

// TestReturned counts the objects in lists and pages of an answer, the charge once a query has run.
func TestReturned(t *testing.T) {
	tests := []struct {
		data string
		want int
	}{
		{`{"dataset":{"title":"x"}}`, 1},
		{`{"observations":{"edges":[],"pageInfo":{"hasNextPage":false}}}`, 1},
		{`{"providers":{"nodes":[{"id":"a","municipality":{"name":"b"}},{"id":"[{\"}"}]}}`, 3},
		{`{"serviceAreas":[{"metrics":[{"id":"m"},{"id":"n"}],"codes":["a","b"]}]}`, 4},
		{`null`, 1},
	}
	for _, tt := range tests {
		if got := Returned([]byte(tt.data)); got != tt.want {
			t.Errorf("Returned(%s) = %d, want %d", tt.data, got, tt.want)
		}
	}
}
