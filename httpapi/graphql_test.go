package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestAbusiveRequestsAreRefused sends each kind of abuse: each is refused with a clear error and the
// right status, and a normal query right after still answers.
func TestAbusiveRequestsAreRefused(t *testing.T) {
	api := newTestAPI(t, Options{})
	repeat := func(n int, s string) string { return strings.Repeat(s, n) }
	var aliases strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&aliases, "a%d: __typename ", i)
	}
	// Fragments that each use the next twice: 2^26 fields if expanded, a few hundred bytes as text.
	var fragments strings.Builder
	fragments.WriteString("{ ...F0 }\n")
	for i := range 26 {
		fmt.Fprintf(&fragments, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fragments.WriteString("fragment F26 on Query { __typename }\n")
	batch, _ := json.Marshal(slices.Repeat([]map[string]string{{"query": "{ dataset { title } }"}}, 100))
	huge := append([]byte(`{"query": "{ dataset { title } }", "variables": {"x": "`), bytes.Repeat([]byte("x"), 20<<20)...)
	huge = append(huge, `"}}`...)
	query := func(q string) []byte { b, _ := json.Marshal(map[string]string{"query": q}); return b }
	// Providers' authorisations' schemes' authorisations' providers' …, 20 fields deep.
	deep := "id"
	for i := range 10 {
		if i%2 == 0 {
			deep = "authorisations { scheme { " + deep + " } }"
		} else {
			deep = "authorisations { provider { " + deep + " } }"
		}
	}
	deep = "{ providers(first: 1) { nodes { " + deep + " } } }"

	tests := []struct {
		name       string
		body       []byte
		wantStatus int
		want       string
	}{
		{"too costly", query(`{ providers(first: 100) { nodes { results(first: 1000) { nodes { value } } } } }`), 200, "QUERY_TOO_COMPLEX"},
		{"too deep", query(deep), 200, "nests"},
		{"2,000 aliases", query("{ " + aliases.String() + "}"), 200, "token limit"},
		{"10,000 repeated fields", query("{ " + repeat(10000, "__typename ") + "}"), 200, "token limit"},
		{"fragments that expand exponentially", query(fragments.String()), 200, "QUERY_TOO_COMPLEX"},
		{"a batch of 100 operations", batch, 400, "batches are not supported"},
		{"a 20 MB body", huge, 413, "larger than"},
		{"not JSON", []byte("query={dataset{title}}"), 400, "must be a JSON object"},
		{"no query", []byte(`{"variables": {}}`), 400, "no query"},
		{"an unknown operation name", []byte(`{"query": "query A { dataset { title } }", "operationName": "B"}`), 200, "operation B not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := api.send(t, "POST", "/graphql", tt.body, nil)
			if got.status != tt.wantStatus || !strings.Contains(got.body, tt.want) {
				t.Errorf("status %d, answer %.300s; want %d and %q", got.status, got.body, tt.wantStatus, tt.want)
			}
			if strings.Contains(got.body, `"data"`) {
				t.Errorf("a refused request carries a data entry: %.200s", got.body)
			}
			if got.header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("a refused request may be cached: Cache-Control %q", got.header.Get("Cache-Control"))
			}
			if ok := api.post(t, `{ dataset { title } }`, nil, nil); ok.status != 200 || strings.Contains(ok.body, "errors") {
				t.Errorf("after it, a plain query answers %d %s", ok.status, ok.body) // the service still answers
			}
		})
	}
}

// TestGraphQLOverHTTP checks the specification's rules for media types, methods and status codes.
func TestGraphQLOverHTTP(t *testing.T) {
	api := newTestAPI(t, Options{})
	okQuery, _ := json.Marshal(map[string]string{"query": "{ dataset { title } }"})
	badQuery, _ := json.Marshal(map[string]string{"query": "{ nope }"})
	tests := []struct {
		name, method, contentType, accept, url string
		body                                   []byte
		wantStatus                             int
		wantType                               string
	}{
		{"POST JSON, default media type", "POST", "application/json", "", "/graphql", okQuery, 200, "application/json"},
		{"POST asking for graphql-response+json", "POST", "application/json", "application/graphql-response+json", "/graphql", okQuery, 200, "application/graphql-response+json"},
		{"a validation error in application/json is 200", "POST", "application/json", "application/json", "/graphql", badQuery, 200, "application/json"},
		{"a validation error in graphql-response+json is 400", "POST", "application/json", "application/graphql-response+json", "/graphql", badQuery, 400, "application/graphql-response+json"},
		{"a form-encoded body is refused", "POST", "application/x-www-form-urlencoded", "", "/graphql", []byte("query=%7Bdataset%7Btitle%7D%7D"), 415, "application/json"},
		{"a text/plain body is refused", "POST", "text/plain", "", "/graphql", okQuery, 415, "application/json"},
		{"a mutation over GET is 405", "GET", "", "", "/graphql?query=" + "mutation%7BdeleteObservations(input:%7Bids:%5B%5D,reason:%22x%22%7D)%7Bdeleted%7D%7D", nil, 405, "application/json"},
		{"PUT is 405", "PUT", "application/json", "", "/graphql", okQuery, 405, "application/json"},
		{"an Accept the server cannot meet is 406", "POST", "application/json", "text/html", "/graphql", okQuery, 406, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := map[string]string{"Content-Type": tt.contentType, "Accept": tt.accept}
			got := api.send(t, tt.method, tt.url, tt.body, headers)
			status, header, body := got.status, got.header, got.body
			if status != tt.wantStatus || !strings.HasPrefix(header.Get("Content-Type"), tt.wantType) {
				t.Errorf("%s %s = %d %s, want %d %s: %.200s", tt.method, tt.url, status, header.Get("Content-Type"), tt.wantStatus, tt.wantType, body)
			}
			if status == 405 && header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

// TestRateLimit: a query is charged before it runs the objects it could return, and after it what it
// returned; a client whose points cannot hold what a query could return gets 429 with Retry-After and
// RATE_LIMITED; another client is not affected; the cost and what is left are in the headers and, as
// charged before the query ran, in rateLimit.
func TestRateLimit(t *testing.T) {
	api := newTestAPI(t, Options{RateLimit: 100, clock: stopped()})
	body, _ := json.Marshal(map[string]string{"query": "{ rateLimit { cost limit remaining } providers(first: 20) { nodes { id } } }"})
	post := func(addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":1234"
		rec := httptest.NewRecorder()
		api.h.ServeHTTP(rec, req)
		return rec
	}
	first := post("192.0.2.1")
	// Before it runs: 1, and 20 providers. It returns the seed's 7 providers: 1 + 7 = 8 of the 100.
	if first.Code != 200 || first.Header().Get("X-Query-Cost") != "8" || first.Header().Get("X-RateLimit-Remaining") != "92" ||
		!strings.Contains(first.Body.String(), `"rateLimit":{"cost":21,"limit":100,"remaining":79}`) {
		t.Fatalf("first request: %d %v %s", first.Code, first.Header(), first.Body)
	}
	var statuses []int
	for range 10 {
		statuses = append(statuses, post("192.0.2.1").Code)
	}
	// Nine more leave 20 points, fewer than the 21 the query could cost: the tenth is refused.
	if want := append(slices.Repeat([]int{200}, 9), 429); !slices.Equal(statuses, want) {
		t.Errorf("statuses of ten more requests = %v; want %v", statuses, want)
	}
	refused := post("192.0.2.1")
	want := `{"errors":[{"extensions":{"code":"RATE_LIMITED","retryAfter":`
	if refused.Code != 429 || refused.Header().Get("Retry-After") == "" || !strings.HasPrefix(refused.Body.String(), want) {
		t.Fatalf("once the points are spent: %d, Retry-After %q, %s; want 429 with Retry-After and RATE_LIMITED", refused.Code, refused.Header().Get("Retry-After"), refused.Body)
	}
	if other := post("192.0.2.2"); other.Code != 200 {
		t.Errorf("another client got %d", other.Code)
	}
}

// A response is written as encoding/json writes it, with the data copied as gqlgen wrote it.
func TestResponsesAreWrittenAsEncodingJSONWritesThem(t *testing.T) {
	hasNext := true
	for name, resp := range map[string]*graphql.Response{
		"data":                 {Data: json.RawMessage(`{"a":[1,2.5,null],"b":"x"}`)},
		"no data":              {},
		"errors and null data": {Errors: gqlerror.List{{Message: "bad", Path: ast.Path{ast.PathName("a")}, Extensions: map[string]any{"code": "X", "data": 0}}}},
		"errors and data":      {Errors: gqlerror.List{{Message: "partly"}}, Data: json.RawMessage(`{"a":null}`)},
		"everything else":      {Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathIndex(1)}, HasNext: &hasNext, Extensions: map[string]any{"cost": 3}},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalResponse(resp)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %s (%v), want %s", name, got, err, want)
		}
	}
}

// TestMutationsAreRefusedBeforeTheirVariablesAreRead: a mutation from a caller without a valid token,
// or over GET, is refused before its variables are decoded. The variables here are not even a JSON
// object, which decoding them would report (as it does for a caller with a token).
func TestMutationsAreRefusedBeforeTheirVariablesAreRead(t *testing.T) {
	api := newTestAPI(t, Options{})
	editor, _ := tokens(t, api.db)
	body := []byte(`{"query": "mutation ($input: ImportObservationsInput!) { importObservations(input: $input) { added } }", "variables": [1, 2, 3]}`)
	for _, tt := range []struct {
		name       string
		headers    map[string]string
		wantStatus int
		want       string
	}{
		{"without a token", nil, 401, `"code":"UNAUTHENTICATED"`},
		{"with a token that is none", bearer("jfs_nonsense"), 401, `"code":"UNAUTHENTICATED"`},
		{"with an editor's token", bearer(editor), 400, "variables must be a JSON object"},
	} {
		got := api.send(t, "POST", "/graphql", body, tt.headers)
		if got.status != tt.wantStatus || !strings.Contains(got.body, tt.want) {
			t.Errorf("%s: %d %s; want %d and %s", tt.name, got.status, got.body, tt.wantStatus, tt.want)
		}
		if tt.wantStatus == 401 && got.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: 401 without WWW-Authenticate: Bearer", tt.name)
		}
	}
	get := api.send(t, "GET", "/graphql?query=mutation%7BdeleteObservations(input:%7Bids:%5B%5D,reason:%22x%22%7D)%7Bdeleted%7D%7D&variables=%5B1%5D", nil, bearer(editor))
	if get.status != 405 || get.header.Get("Allow") != "POST" {
		t.Errorf("a mutation over GET: %d %s; want 405 with Allow: POST", get.status, get.body)
	}
}

// TestEveryMutationIsRefusedBeforeItsVariablesAndIsPrivate: each of the schema's mutations, read from
// schema.graphqls so that none added later is missed (the authorisation's suspension and reinstatement
// among them), is refused without a token before its variables are decoded, and is decoded for a caller
// with one; a mutation that writes is answered privately and never kept, with the answer cache on.
func TestEveryMutationIsRefusedBeforeItsVariablesAndIsPrivate(t *testing.T) {
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if err != nil {
		t.Fatal(err)
	}
	api := newTestAPI(t, Options{CacheSize: 8 << 20})
	_, admin := tokens(t, api.db)
	var names []string
	for _, f := range schema.Mutation.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		names = append(names, f.Name)
		input := f.Arguments.ForName("input")
		if input == nil {
			t.Errorf("%s takes no input", f.Name)
			continue
		}
		query, _ := json.Marshal(fmt.Sprintf("mutation ($input: %s) { %s(input: $input) { __typename } }", input.Type, f.Name))
		body := []byte(`{"query": ` + string(query) + `, "variables": [1, 2, 3]}`)
		if got := api.send(t, "POST", "/graphql", body, nil); got.status != 401 || !strings.Contains(got.body, `"code":"UNAUTHENTICATED"`) {
			t.Errorf("%s without a token: %d %s; want 401 UNAUTHENTICATED", f.Name, got.status, got.body)
		}
		if got := api.send(t, "POST", "/graphql", body, bearer(admin)); got.status != 400 || !strings.Contains(got.body, "variables must be a JSON object") {
			t.Errorf("%s with an admin's token: %d %s; want its variables decoded and refused", f.Name, got.status, got.body)
		}
	}
	for _, name := range []string{"suspendAuthorisation", "reinstateAuthorisation"} {
		if !slices.Contains(names, name) {
			t.Errorf("the schema has no mutation %s", name)
		}
	}

	const id = "Authorisation:sprakbron-utbildning/0183-sfi"
	for _, m := range []string{
		`mutation { suspendAuthorisation(input: {id: "` + id + `", from: "2099-01-01", reason: "Utredning"}) { authorisation { statusOn(date: "2099-01-01") } } }`,
		`mutation { reinstateAuthorisation(input: {id: "` + id + `", on: "2099-02-01", reason: "Utredd"}) { authorisation { statusOn(date: "2099-02-01") } } }`,
	} {
		got := api.post(t, m, nil, bearer(admin))
		if got.status != 200 || strings.Contains(got.body, `"errors"`) {
			t.Fatalf("%d %s", got.status, got.body)
		}
		if got.header.Get("Cache-Control") != "private, no-store" || got.header.Get("ETag") != "" || got.header.Get("X-Cache") != "" {
			t.Errorf("%s: Cache-Control %q, ETag %q, X-Cache %q; want private, no-store, no ETag, not from the cache",
				got.body, got.header.Get("Cache-Control"), got.header.Get("ETag"), got.header.Get("X-Cache"))
		}
	}
}

// BenchmarkAnonymousMutation1MiB sends a 1 MiB importObservations without a token, as the abuse in
// issue 12 did, and reports the processor time each refusal takes (cpu-ms/op, all goroutines).
func BenchmarkAnonymousMutation1MiB(b *testing.B) {
	api := newTestAPI(b, Options{})
	query, _ := json.Marshal(importMutation)
	body := []byte(`{"query":` + string(query) + `,"variables":{"input":{"observations":[`)
	for i := 0; len(body) < 1<<20-200; i++ {
		if i > 0 {
			body = append(body, ',')
		}
		body = fmt.Appendf(body, `{"metric":"Metric:sfi-pass-rate","provider":"Provider:sundbyberg-vuxenutbildning","municipality":"0183",`+
			`"period":"%d","value":70.5,"sampleSize":40,"source":"Source:illustrative-results"}`, 1900+i%300)
	}
	body = append(body, "]}}}"...)
	if !json.Valid(body) || len(body) > 1<<20 {
		b.Fatalf("the body is %d bytes, valid %v", len(body), json.Valid(body))
	}
	b.SetBytes(int64(len(body)))
	start := processorTime()
	for b.Loop() {
		if got := api.send(b, "POST", "/graphql", body, nil); got.status != 401 {
			b.Fatalf("%d %.300s", got.status, got.body)
		}
	}
	b.ReportMetric(float64(processorTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
