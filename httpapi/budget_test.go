package httpapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// defaultRateLimit is the server's default budget (server's -rate-limit): the figures below are
// against it.
const defaultRateLimit = 30000

// operation reads a .graphql file and its variables, if graph/testdata/spa/variables has them.
func operation(t testing.TB, file string) (string, map[string]any) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]any
	name := strings.TrimSuffix(filepath.Base(file), ".graphql")
	if raw, err := os.ReadFile(filepath.Join("../graph/testdata/spa/variables", name+".json")); err == nil {
		if err := json.Unmarshal(raw, &vars); err != nil {
			t.Fatal(err)
		}
	}
	return string(src), vars
}

// TestTheDashboardFitsTheBudget visits every view of the dashboard once with the default budget: all
// of them together cost at most 5 % of a minute's points. Each is charged what it returned.
func TestTheDashboardFitsTheBudget(t *testing.T) {
	api := newTestAPI(t, Options{RateLimit: defaultRateLimit, clock: stopped()})
	files, _ := filepath.Glob("../graph/testdata/spa/*.graphql")
	total := 0
	for _, file := range files {
		if strings.HasPrefix(filepath.Base(file), "Sync") {
			continue // a script's, not a view's
		}
		query, vars := operation(t, file)
		got := api.post(t, query, vars, nil)
		cost, err := strconv.Atoi(got.header.Get("X-Query-Cost"))
		if got.status != 200 || strings.Contains(got.body, `"errors"`) || err != nil {
			t.Fatalf("%s: %d, X-Query-Cost %q, %.300s", file, got.status, got.header.Get("X-Query-Cost"), got.body)
		}
		t.Logf("%-24s %4d points", filepath.Base(file), cost)
		total += cost
	}
	t.Logf("every view once: %d points, %.1f %% of %d a minute", total, 100*float64(total)/defaultRateLimit, defaultRateLimit)
	if total*20 > defaultRateLimit {
		t.Errorf("one visit to every view costs %d points, more than 5 %% of %d", total, defaultRateLimit)
	}
}

// TestTheSyncLoopIsCheap runs the README's sync loop at 1,000 a page with every field, under the
// default budget: a page is charged one point and one for each object it returns, so a page that
// finds nothing costs one point, and the loop is never refused.
func TestTheSyncLoopIsCheap(t *testing.T) {
	api := newTestAPI(t, Options{RateLimit: defaultRateLimit, clock: stopped()})
	start, _ := operation(t, "../graph/testdata/sync/Start.graphql")
	observations, _ := operation(t, "../graph/testdata/sync/Observations.graphql")
	deletions, _ := operation(t, "../graph/testdata/sync/Deletions.graphql")
	run := func(query string, vars map[string]any) (map[string]any, int) {
		t.Helper()
		got := api.post(t, query, vars, nil)
		var resp struct {
			Data   map[string]any
			Errors []any
		}
		if err := json.Unmarshal([]byte(got.body), &resp); err != nil || got.status != 200 || resp.Errors != nil {
			t.Fatalf("%d %.300s", got.status, got.body)
		}
		cost, _ := strconv.Atoi(got.header.Get("X-Query-Cost"))
		return resp.Data, cost
	}
	data, _ := run(start, nil)
	since := data["dataset"].(map[string]any)["updatedAt"]
	full := map[string]int{}
	for _, page := range []struct {
		query, field string
	}{{observations, "observations"}, {deletions, "deletions"}} {
		data, cost := run(page.query, map[string]any{"since": nil})
		nodes := len(data[page.field].(map[string]any)["nodes"].([]any))
		if cost != 1+nodes+revisions(data) {
			t.Errorf("a full page of %s with %d nodes cost %d; want 1 and one for each object it returned", page.field, nodes, cost)
		}
		full[page.field] = cost
		if _, cost := run(page.query, map[string]any{"since": since}); cost != 1 {
			t.Errorf("a page of %s that finds nothing cost %d points; want 1", page.field, cost)
		}
	}
	t.Logf("the seed's full sync: %v points; an empty page 1", full)
}

// revisions counts the revisions on a page of observations.
func revisions(data map[string]any) int {
	page, ok := data["observations"].(map[string]any)
	if !ok {
		return 0
	}
	n := 0
	for _, node := range page["nodes"].([]any) {
		n += len(node.(map[string]any)["revisions"].([]any))
	}
	return n
}

// TestNotModifiedIsFree: a client that holds an unchanged answer is told so with 304 and is charged
// nothing, with or without the answer cache.
func TestNotModifiedIsFree(t *testing.T) {
	for _, size := range []int64{0, 8 << 20} {
		api := newTestAPI(t, Options{RateLimit: defaultRateLimit, CacheSize: size, clock: stopped()})
		query := `{ providers(first: 20) { nodes { id name } } }`
		first := api.get(t, query, nil, map[string]string{"Accept-Encoding": "gzip"})
		etag := first.header.Get("ETag")
		left := first.header.Get("X-RateLimit-Remaining")
		if first.status != 200 || etag == "" {
			t.Fatalf("cache %d: first GET %d, ETag %q", size, first.status, etag)
		}
		for range 3 {
			again := api.get(t, query, nil, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
			if again.status != 304 || again.header.Get("X-Query-Cost") != "" {
				t.Errorf("cache %d: GET with its ETag: %d, X-Query-Cost %q; want 304 at no cost", size, again.status, again.header.Get("X-Query-Cost"))
			}
		}
		if after := api.get(t, `{ dataset { title } }`, nil, nil); after.header.Get("X-RateLimit-Remaining") != strconv.Itoa(mustAtoi(t, left)-1) {
			t.Errorf("cache %d: after three 304s and a query of 1 point, %s points are left; want %d", size, after.header.Get("X-RateLimit-Remaining"), mustAtoi(t, left)-1)
		}
	}
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
