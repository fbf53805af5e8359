package httpapi

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func comparisonTable(t testing.TB) (string, map[string]any) {
	t.Helper()
	src, err := os.ReadFile("../graph/testdata/spa/ComparisonTable.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(src), map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": []string{"Metric:sfi-pass-rate"}}
}

const importMutation = `mutation($input: ImportObservationsInput!) {
	importObservations(input: $input) { added changed unchanged dryRun }
}`

// importOne is importMutation's variables for one new figure of the city's own provision.
func importOne(period string) map[string]any {
	return map[string]any{"input": map[string]any{"observations": []any{map[string]any{
		"metric": "Metric:sfi-pass-rate", "provider": "Provider:sundbyberg-vuxenutbildning", "municipality": "0183",
		"period": period, "value": 70, "sampleSize": 50, "source": "Source:illustrative-results"}}}}
}

// TestCachedAnswersAreTheSameAnswers asks the dashboard's comparison twice: the second answer comes
// from the cache, runs no SQL, and is byte for byte the first; gzip is sent to clients that accept it.
func TestCachedAnswersAreTheSameAnswers(t *testing.T) {
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
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
	if vary := first.header.Get("Vary"); !strings.Contains(vary, "Accept-Encoding") {
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
	db := seeded(t)
	query, vars := comparisonTable(t)
	first := newTestAPIFor(t, db, Options{}).post(t, query, vars, nil)
	cost, _ := strconv.Atoi(first.header.Get("X-Query-Cost"))
	if cost == 0 {
		t.Fatalf("X-Query-Cost %q", first.header.Get("X-Query-Cost"))
	}
	api := newTestAPIFor(t, db, Options{CacheSize: 8 << 20, RateLimit: 3*cost + cost/2, clock: stopped()})
	for i, want := range []struct {
		status    int
		cache     string
		remaining int
	}{{200, "MISS", 2*cost + cost/2}, {200, "HIT", cost + cost/2}, {200, "HIT", cost / 2}, {429, "", cost / 2}} {
		got := api.post(t, query, vars, nil)
		remaining, _ := strconv.Atoi(got.header.Get("X-RateLimit-Remaining"))
		if got.status != want.status || got.header.Get("X-Cache") != want.cache || remaining != want.remaining || got.header.Get("X-Query-Cost") != strconv.Itoa(cost) {
			t.Errorf("request %d: %d, X-Cache %q, %d points left, cost %s; want %d, %q, %d left, cost %d", i+1, got.status,
				got.header.Get("X-Cache"), remaining, got.header.Get("X-Query-Cost"), want.status, want.cache, want.remaining, cost)
		}
	}
}

// TestAWriteIsSeenAtOnce publishes a figure after its provider's page was cached: the next reader gets
// the page with the new figure, not the kept one.
func TestAWriteIsSeenAtOnce(t *testing.T) {
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	editor, _ := tokens(t, api.db)
	const page = `query($id: ID!) { node(id: $id) { ... on Provider { results(first: 100) { totalCount } } } }`
	vars := map[string]any{"id": "Provider:sundbyberg-vuxenutbildning"}
	before := api.post(t, page, vars, nil)
	if again := api.post(t, page, vars, nil); again.header.Get("X-Cache") != "HIT" {
		t.Fatalf("the page was not cached: X-Cache %q", again.header.Get("X-Cache"))
	}

	if r := api.post(t, importMutation, importOne("2031"), bearer(editor)); r.status != 200 || strings.Contains(r.body, "errors") {
		t.Fatalf("the write: %d %s", r.status, r.body)
	}
	after := api.post(t, page, vars, nil)
	if after.header.Get("X-Cache") != "MISS" || after.body == before.body {
		t.Errorf("after the write: X-Cache %q\nbefore: %s\nafter:  %s\nwant a fresh answer with one figure more", after.header.Get("X-Cache"), before.body, after.body)
	}
}

// TestPrivateAndFailedAnswersAreNotKept: answers that differ between clients (with a token, or with the
// client's own rate limit) and answers with errors are never kept or shared.
func TestPrivateAndFailedAnswersAreNotKept(t *testing.T) {
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	editor, _ := tokens(t, api.db)
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

// TestConcurrentReadersRunAQueryOnce sends the same comparison from 20 readers at once to an empty
// cache: however their requests interleave, the query runs once and all get its answer.
func TestConcurrentReadersRunAQueryOnce(t *testing.T) {
	query, vars := comparisonTable(t)
	uncached := newTestAPI(t, Options{})
	uncached.post(t, query, vars, nil) // the first request loads the catalog; count a later one
	before := uncached.db.Statements()
	uncached.post(t, query, vars, nil)
	once := uncached.db.Statements() - before

	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	api.db.Catalog(t.Context()) // load the catalog first, so only the query's own statements are counted
	before = api.db.Statements()
	answers := make([]answer, 20)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = api.post(t, query, vars, nil) })
	}
	wg.Wait()
	if ran := api.db.Statements() - before; ran != once {
		t.Errorf("20 readers ran %d SQL statements; one run of the query takes %d", ran, once)
	}
	for i, a := range answers {
		if a.status != 200 || a.body != answers[0].body {
			t.Fatalf("reader %d got a different answer: %d %.200s", i, a.status, a.body)
		}
	}
}

// TestPrivateAnswersStayPrivate: an answer that depends on its caller, or that carries errors, is
// private, no-store, without an ETag, is never answered 304, and is never kept; an answer to a request
// with an Authorization header is private whatever the token.
func TestPrivateAnswersStayPrivate(t *testing.T) {
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	_, admin := tokens(t, api.db)
	const public = `{ dataset { title } }`
	open := api.get(t, public, nil, nil)
	etag := open.header.Get("ETag")
	if open.status != 200 || etag == "" || open.header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("a public GET: %d, ETag %q, Cache-Control %q; want 200 with an ETag, public", open.status, etag, open.header.Get("Cache-Control"))
	}
	cases := []struct {
		name    string
		query   string
		headers map[string]string
	}{
		{"the audit log, for an admin", `{ auditLog(first: 1) { nodes { actor operation } } }`, bearer(admin)},
		{"the audit log, for anyone else", `{ auditLog(first: 1) { nodes { actor operation } } }`, nil},
		{"a public query with an admin's token", public, bearer(admin)},
		{"a public query with a token that is no token", public, bearer("jfs_nonsense")},
		{"a public query with an Authorization of another scheme", public, map[string]string{"Authorization": "Basic eDp5"}},
		{"the caller's rate limit", `{ rateLimit { remaining } }`, nil},
		{"the rate limit, through a fragment", `query { ...Mine } fragment Mine on Query { rateLimit { remaining } }`, nil},
		{"an answer with an error", `{ node(id: "not an ID") { id } }`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 { // the second time would find a kept answer, if it had been kept
				headers := map[string]string{"If-None-Match": etag}
				for k, v := range c.headers {
					headers[k] = v
				}
				for _, got := range []answer{api.get(t, c.query, nil, headers), api.post(t, c.query, nil, headers)} {
					if got.status != 200 || got.header.Get("Cache-Control") != "private, no-store" || got.header.Get("ETag") != "" || got.header.Get("X-Cache") != "" {
						t.Fatalf("%d, Cache-Control %q, ETag %q, X-Cache %q; want 200, private, no-store, no ETag, not from the cache\n%s",
							got.status, got.header.Get("Cache-Control"), got.header.Get("ETag"), got.header.Get("X-Cache"), got.body)
					}
					if vary := got.header.Get("Vary"); !strings.Contains(vary, "Authorization") {
						t.Errorf("Vary %q does not name Authorization", vary)
					}
				}
			}
		})
	}
	if got := api.get(t, `{ auditLog(first: 1) { nodes { actor } } }`, nil, nil); !strings.Contains(got.body, "UNAUTHENTICATED") || strings.Contains(got.body, "actor") {
		t.Errorf("after an admin read the audit log, an anonymous reader got %s", got.body)
	}
}

// TestETagCoversWhatTheAnswerDependsOn: the same request gets another ETag for another encoding, media
// type, data version or day, and only the ETag of what would be sent now earns a 304.
func TestETagCoversWhatTheAnswerDependsOn(t *testing.T) {
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	editor, _ := tokens(t, api.db)
	const query = `{ serviceAreas { id latestPeriod } }`
	plain := api.get(t, query, nil, nil)
	variants := map[string]answer{
		"plain":                    plain,
		"gzip":                     api.get(t, query, nil, map[string]string{"Accept-Encoding": "gzip"}),
		"graphql-response+json":    api.get(t, query, nil, map[string]string{"Accept": "application/graphql-response+json"}),
		"another query, same data": api.get(t, `{ serviceAreas { id } }`, nil, nil),
	}
	tags := map[string]string{}
	for name, v := range variants {
		etag := v.header.Get("ETag")
		if v.status != 200 || etag == "" {
			t.Fatalf("%s: %d, ETag %q", name, v.status, etag)
		}
		if other, ok := tags[etag]; ok {
			t.Errorf("%s and %s share the ETag %s", name, other, etag)
		}
		tags[etag] = name
	}
	gzipTag := variants["gzip"].header.Get("ETag")
	if got := api.get(t, query, nil, map[string]string{"If-None-Match": gzipTag}); got.status != 200 {
		t.Errorf("a client that takes no gzip, holding the gzip answer's ETag: %d, want 200 with the body", got.status)
	}
	if got := api.get(t, query, nil, map[string]string{"If-None-Match": gzipTag, "Accept-Encoding": "gzip"}); got.status != 304 || got.body != "" {
		t.Errorf("a client holding the answer it would get: %d %q, want 304 and no body", got.status, got.body)
	}
	if r := api.post(t, importMutation, importOne("2031"), bearer(editor)); strings.Contains(r.body, "errors") {
		t.Fatal(r.body)
	}
	if got := api.get(t, query, nil, map[string]string{"If-None-Match": plain.header.Get("ETag")}); got.status != 200 || got.header.Get("ETag") == plain.header.Get("ETag") {
		t.Errorf("after a write: %d, ETag %s; want 200 with a new ETag", got.status, got.header.Get("ETag"))
	}
	// Price lists are current by the date, so an answer kept today is not tomorrow's.
	if keyOf(7, "2026-12-01", "GET", []byte("q")) == keyOf(7, "2026-12-02", "GET", []byte("q")) {
		t.Error("an answer's key does not change with the day")
	}
}
