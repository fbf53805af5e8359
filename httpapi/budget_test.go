package httpapi

import (
	"encoding/json"
	"net/http"
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

// TestDownloadsArePricedByRows: a download is charged one point before it starts and one for every
// hundred rows it sent, told in trailers; an unchanged one is 304 at no cost; six in a minute are
// nowhere near the default budget. Filters narrow the rows; one a table does not take is refused.
func TestDownloadsArePricedByRows(t *testing.T) {
	srv, _ := newTestServerFor(t, seeded(t), Options{RateLimit: defaultRateLimit, clock: stopped()})
	get := func(path string, header map[string]string) (*http.Response, string) {
		t.Helper()
		return fetch(t, "GET", srv.URL+path, header, "") // reads the body, after which come the trailers
	}
	resp, body := get("/export/observations.csv", nil)
	rows := strings.Count(body, "\r\n") - 1
	if want := strconv.Itoa((rows + 99) / 100); resp.StatusCode != 200 || resp.Header.Get("X-Query-Cost") != "1" || resp.Trailer.Get("X-Query-Cost") != want {
		t.Fatalf("observations.csv, %d rows: %d, X-Query-Cost %q then %q; want 200, 1 before and %s after", rows, resp.StatusCode,
			resp.Header.Get("X-Query-Cost"), resp.Trailer.Get("X-Query-Cost"), want)
	}
	left := mustAtoi(t, resp.Trailer.Get("X-RateLimit-Remaining"))
	if again, _ := get("/export/observations.csv", map[string]string{"If-None-Match": resp.Header.Get("ETag")}); again.StatusCode != 304 {
		t.Errorf("with its ETag: %d, want 304", again.StatusCode)
	}
	for range 5 {
		if r, _ := get("/export/providers.xlsx", nil); r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("providers.xlsx: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	if r, _ := get("/export/providers.csv?municipality=0183", nil); mustAtoi(t, r.Trailer.Get("X-RateLimit-Remaining")) != left-6 {
		t.Errorf("after a 304 and six small downloads of a point each, %s points are left; want %d", r.Trailer.Get("X-RateLimit-Remaining"), left-6)
	}

	_, all := get("/export/observations.csv?dialect=excel-sv", nil)
	_, some := get("/export/observations.csv?dialect=excel-sv&metric=Metric:sfi-pass-rate&period=2018&municipality=0183&serviceArea=ServiceArea:sfi", nil)
	if n := strings.Count(some, "\r\n") - 1; n == 0 || n >= strings.Count(all, "\r\n")-1 || strings.Count(some, ";Metric:sfi-pass-rate;") != n {
		t.Errorf("filtered to one metric, place and period: %d rows of %d, want some, all of that metric", n, strings.Count(all, "\r\n")-1)
	}
	for path, want := range map[string]string{
		"/export/sources.csv?municipality=0183":      "sources cannot be filtered by municipality: it takes no filters",
		"/export/providers.csv?metric=Metric:x":      "providers cannot be filtered by metric: it takes only serviceArea, municipality",
		"/export/observations.csv?period=2018-XX":    "invalid period",
		"/export/observations.csv?town=0183":         "unknown parameter",
		"/export/observations.xlsx?dialect=excel-sv": "CSV files take dialect=excel-sv",
	} {
		if r, body := get(path, nil); r.StatusCode != 400 || !strings.Contains(body, want) || !strings.Contains(body, "BAD_USER_INPUT") {
			t.Errorf("GET %s = %d %s, want 400 saying %q", path, r.StatusCode, body, want)
		}
	}
}
