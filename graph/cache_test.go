package graph

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jamforelse/api/store"
)

// newCachedTestAPI is newTestAPI with an answer cache of 8 MB, as the server has.
func newCachedTestAPI(t *testing.T, ds *store.Dataset) *testAPI {
	t.Helper()
	api := newTestAPI(t, ds)
	api.h = NewHandler(api.db, slog.New(slog.NewJSONHandler(api.log, nil)), Options{CacheSize: 8 << 20})
	return api
}

// cachedAnswer is what a client gets for a POSTed query: the status, the headers and the body, unpacked
// if it came gzipped.
type cachedAnswer struct {
	status  int
	header  http.Header
	body    string
	gzipped bool
}

func (a *testAPI) post(t testing.TB, query string, vars map[string]any, headers map[string]string) cachedAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	answer := cachedAnswer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("Content-Encoding gzip, but the body is not gzip: %v", err)
		}
		unpacked, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		answer.body, answer.gzipped = string(unpacked), true
	}
	return answer
}

func comparisonTable(t *testing.T) (string, map[string]any) {
	t.Helper()
	src, err := os.ReadFile("testdata/spa/ComparisonTable.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(src), map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": []string{"Metric:sfi-pass-rate"}}
}

// TestCachedAnswersAreTheSameAnswers asks the dashboard's comparison twice: the second answer comes
// from the cache, runs no SQL, and is byte for byte the first; gzip is sent to clients that accept it.
func TestCachedAnswersAreTheSameAnswers(t *testing.T) {
	api := newCachedTestAPI(t, seedData(t))
	query, vars := comparisonTable(t)

	first := api.post(t, query, vars, nil)
	if first.status != 200 || first.header.Get("X-Cache") != "MISS" || first.gzipped {
		t.Fatalf("first answer: %d, X-Cache %q, gzipped %v; want 200, a MISS, plain JSON\n%s", first.status, first.header.Get("X-Cache"), first.gzipped, first.body)
	}
	before := api.db.Statements()
	second := api.post(t, query, vars, nil)
	if ran := api.db.Statements() - before; ran != 0 {
		t.Errorf("a cached answer ran %d SQL statements, want none", ran)
	}
	if second.header.Get("X-Cache") != "HIT" || second.body != first.body {
		t.Errorf("second answer: X-Cache %q, same body %v; want a HIT with the same answer", second.header.Get("X-Cache"), second.body == first.body)
	}
	zipped := api.post(t, query, vars, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if !zipped.gzipped || zipped.body != first.body {
		t.Errorf("with Accept-Encoding gzip: gzipped %v, same body %v; want the same answer, gzipped", zipped.gzipped, zipped.body == first.body)
	}
	if refused := api.post(t, query, vars, map[string]string{"Accept-Encoding": "gzip;q=0"}); refused.gzipped {
		t.Error("gzip;q=0 means no gzip, but the answer was gzipped")
	}
	if vary := first.header.Values("Vary"); !slices.Contains(vary, "Accept-Encoding") {
		t.Errorf("Vary = %q, want Accept-Encoding among them: caches between must keep both encodings apart", vary)
	}

	other := api.post(t, query, map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2017", "metrics": []string{"Metric:sfi-pass-rate"}}, nil)
	if other.header.Get("X-Cache") != "MISS" || other.body == first.body {
		t.Errorf("other variables: X-Cache %q; want a MISS with its own answer", other.header.Get("X-Cache"))
	}
}

// A kept answer is sent without its query being read again, but its reader is charged what the query
// costs all the same, and a reader out of points is refused.
func TestKeptAnswersAreCharged(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	query, vars := comparisonTable(t)
	first := (&testAPI{db: api.db, h: NewHandler(api.db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{})}).post(t, query, vars, nil)
	cost, _ := strconv.Atoi(first.header.Get("X-Query-Cost"))
	if cost == 0 {
		t.Fatalf("X-Query-Cost %q", first.header.Get("X-Query-Cost"))
	}
	perMinute := 3*cost + cost/2
	api.h = NewHandler(api.db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{CacheSize: 8 << 20, Limiter: NewLimiter(perMinute)})
	start := time.Now()
	for i, want := range []struct {
		status    int
		cache     string
		remaining int
	}{{200, "MISS", 2*cost + cost/2}, {200, "HIT", cost + cost/2}, {200, "HIT", cost / 2}, {429, "", cost / 2}} {
		got := api.post(t, query, vars, nil)
		remaining, _ := strconv.Atoi(got.header.Get("X-RateLimit-Remaining"))
		// The bucket refills while the requests run, however long that takes on this machine: at most
		// what the time since the first request gives back.
		refilled := int(math.Ceil(time.Since(start).Minutes() * float64(perMinute)))
		if got.status != want.status || got.header.Get("X-Cache") != want.cache || remaining < want.remaining || remaining > want.remaining+refilled ||
			got.header.Get("X-Query-Cost") != strconv.Itoa(cost) {
			t.Errorf("request %d: %d, X-Cache %q, %d points left, cost %s; want %d, %q, %d left, cost %d", i+1, got.status,
				got.header.Get("X-Cache"), remaining, got.header.Get("X-Query-Cost"), want.status, want.cache, want.remaining, cost)
		}
	}
}

// TestAWriteIsSeenAtOnce publishes a figure after its provider's page was cached: the next reader gets
// the page with the new figure, not the kept one.
func TestAWriteIsSeenAtOnce(t *testing.T) {
	api := newCachedTestAPI(t, seedData(t))
	editor, _ := tokens(t, api)
	const page = `query($id: ID!) { node(id: $id) { ... on Provider { results(first: 100) { totalCount } } } }`
	vars := map[string]any{"id": "Provider:sundbyberg-vuxenutbildning"}
	before := api.post(t, page, vars, nil)
	if again := api.post(t, page, vars, nil); again.header.Get("X-Cache") != "HIT" {
		t.Fatalf("the page was not cached: X-Cache %q", again.header.Get("X-Cache"))
	}

	r := api.asToken(t, editor, importMutation, map[string]any{"input": map[string]any{
		"observations": []any{figure("Metric:sfi-pass-rate", "Provider:sundbyberg-vuxenutbildning", "2031", 70, 50)}}})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	after := api.post(t, page, vars, nil)
	if after.header.Get("X-Cache") != "MISS" || after.body == before.body {
		t.Errorf("after the write: X-Cache %q\nbefore: %s\nafter:  %s\nwant a fresh answer with one figure more", after.header.Get("X-Cache"), before.body, after.body)
	}
}

// TestPrivateAndFailedAnswersAreNotKept: answers that differ between clients (with a token, or with the
// client's own rate limit) and answers with errors are never kept or shared.
func TestPrivateAndFailedAnswersAreNotKept(t *testing.T) {
	api := newCachedTestAPI(t, seedData(t))
	editor, _ := tokens(t, api)
	query, vars := comparisonTable(t)
	cases := []struct {
		name    string
		query   string
		vars    map[string]any
		headers map[string]string
	}{
		{"with a token", query, vars, map[string]string{"Authorization": "Bearer " + editor}},
		{"asking for the rate limit", `{ rateLimit { remaining } dataset { title } }`, nil, nil},
		{"asking for it through a fragment", `query { ...Mine } fragment Mine on Query { rateLimit { remaining } }`, nil, nil},
		{"with an error", query, map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018-XX"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 {
				a := api.post(t, c.query, c.vars, c.headers)
				if a.header.Get("X-Cache") != "" {
					t.Fatalf("X-Cache %q: the answer went through the cache\n%s", a.header.Get("X-Cache"), a.body)
				}
			}
		})
	}
}

// TestConcurrentReadersRunAQueryOnce sends the same comparison of 2,000 providers from 20 readers at
// once to an empty cache: however their requests interleave, the query runs once and all get its answer.
func TestConcurrentReadersRunAQueryOnce(t *testing.T) {
	api := newCachedTestAPI(t, withSFIProviders(t, 2000))
	query, vars := comparisonTable(t)
	api.db.Catalog(t.Context()) // load the catalog first, so only the query's own statements are counted
	before := api.db.Statements()
	answers := make([]cachedAnswer, 20)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = api.post(t, query, vars, nil) })
	}
	wg.Wait()
	ran := api.db.Statements() - before

	uncached := newTestAPI(t, withSFIProviders(t, 2000))
	once := statementsFor(t, uncached, query, vars)
	if ran != once {
		t.Errorf("20 readers ran %d SQL statements; one run of the query takes %d", ran, once)
	}
	for i, a := range answers {
		if a.status != 200 || a.body != answers[0].body {
			t.Fatalf("reader %d got a different answer: %d %.200s", i, a.status, a.body)
		}
	}
}
