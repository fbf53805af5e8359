package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
)

// TestDashboardOperationsFitTheLimits prices every dashboard operation and GraphiQL's introspection
// query: all fit well inside the limits, so the limits refuse only what no real client sends.
func TestDashboardOperationsFitTheLimits(t *testing.T) {
	schema := loadSchema(t)
	files, _ := filepath.Glob("testdata/spa/*.graphql")
	files = append(files, "testdata/introspection.graphql")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, string(src), nil)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", file, errs)
		}
		var vars map[string]any
		if raw, err := os.ReadFile(filepath.Join("testdata/spa/variables", strings.TrimSuffix(filepath.Base(file), ".graphql")+".json")); err == nil {
			if err := json.Unmarshal(raw, &vars); err != nil {
				t.Fatalf("%s's variables: %v", file, err)
			}
		}
		c := measure(doc, doc.Operations[0], vars)
		t.Logf("%-28s cost %5d, depth %2d, fields %4d, aliases %d", filepath.Base(file), c.Cost, c.Depth, c.Fields, c.Aliases)
		if problem := DefaultLimits.check(Cost{Cost: c.Cost * 2, Depth: c.Depth, Fields: c.Fields * 2, Aliases: c.Aliases}); problem != "" {
			t.Errorf("%s at twice its size would be refused: %s", file, problem)
		}
	}
}

// TestPricing runs operations with a Meter, as the HTTP layer gives every request: each is charged
// its measured cost before it runs and answers its quota in rateLimit; one the meter refuses is
// RATE_LIMITED and one too large is QUERY_TOO_COMPLEX, and neither is charged or runs.
func TestPricing(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	var charged []int
	left := 100
	meter := func(cost int) (Quota, error) {
		q := Quota{Limit: 100, Cost: cost, Remaining: left, ResetAt: time.Unix(1795000000, 0)}
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
		{`{ rateLimit { cost limit remaining resetAt } }`, []int{5}, `{"data":{"rateLimit":{"cost":5,"limit":100,"remaining":95,"resetAt":"2026-11-18T11:06:40Z"}}}`},
		{`{ providers(first: 20) { nodes { id name } } }`, []int{5, 61}, `"providers":{"nodes":[`},
		{`{ providers(first: 20) { nodes { id name } } }`, []int{5, 61}, `{"errors":[{"message":"rate limit: this request costs 61 points and 34 are left of 100 a minute; try again in 2 s","extensions":{"code":"RATE_LIMITED","retryAfter":2}}],"data":null}`},
		{`{ providers(first: 100) { nodes { results(first: 1000) { nodes { value } } } } }`, []int{5, 61}, `"code":"QUERY_TOO_COMPLEX","cost":200201`},
	}
	for _, tt := range tests {
		raw := string(api.runWith(t, WithMeter(t.Context(), meter), tt.query))
		if !slices.Equal(charged, tt.wantCharge) || !strings.Contains(raw, tt.want) {
			t.Errorf("%s: charged %v, answer %s; want %v charged and %s", tt.query, charged, raw, tt.wantCharge, tt.want)
		}
	}
}
