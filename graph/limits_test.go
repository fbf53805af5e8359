package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
)

// send posts a raw body with a content type and returns the status and answer.
func (a *testAPI) send(t *testing.T, method, contentType, accept string, body []byte, url string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(method, url, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	raw, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header(), string(raw)
}

// TestDashboardOperationsFitTheLimits prices every dashboard operation and GraphiQL's introspection
// query: all fit well inside the limits, so the limits refuse only what no real client sends.
func TestDashboardOperationsFitTheLimits(t *testing.T) {
	schema := loadSchema(t)
	files, _ := filepath.Glob("testdata/spa/*.graphql")
	files = append(files, "testdata/introspection.graphql")
	for _, file := range files {
		src, _ := os.ReadFile(file)
		doc, errs := gqlparser.LoadQueryWithRules(schema, string(src), nil)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", file, errs)
		}
		var vars map[string]any
		if raw, err := os.ReadFile(filepath.Join("testdata/spa/variables", strings.TrimSuffix(filepath.Base(file), ".graphql")+".json")); err == nil {
			json.Unmarshal(raw, &vars)
		}
		c := measure(doc, doc.Operations[0], vars)
		t.Logf("%-28s cost %5d, depth %2d, fields %4d, aliases %d", filepath.Base(file), c.Cost, c.Depth, c.Fields, c.Aliases)
		if problem := DefaultLimits.check(Cost{Cost: c.Cost * 2, Depth: c.Depth, Fields: c.Fields * 2, Aliases: c.Aliases}); problem != "" {
			t.Errorf("%s at twice its size would be refused: %s", file, problem)
		}
	}
}

// TestAbusiveRequestsAreRefused sends each kind of abuse: each is refused with a clear error and the
// right status, and a normal query right after still answers.
func TestAbusiveRequestsAreRefused(t *testing.T) {
	api := newTestAPI(t, seedData(t))
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
			start := time.Now()
			status, header, body := api.send(t, "POST", "application/json", "", tt.body, "/graphql")
			took := time.Since(start)
			if status != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Errorf("status %d, answer %.300s; want %d and %q", status, body, tt.wantStatus, tt.want)
			}
			if strings.Contains(body, `"data"`) {
				t.Errorf("a refused request carries a data entry: %.200s", body)
			}
			if header.Get("Cache-Control") != "no-store" {
				t.Errorf("a refused request may be cached: Cache-Control %q", header.Get("Cache-Control"))
			}
			if took > 5*time.Second {
				t.Errorf("refusing it took %s", took)
			}
			t.Logf("refused in %s", took.Round(time.Microsecond))
			api.mustQuery(t, `{ dataset { title } }`, nil) // and the service still answers
		})
	}
}

// TestGraphQLOverHTTP checks the specification's rules for media types, methods and status codes.
func TestGraphQLOverHTTP(t *testing.T) {
	api := newTestAPI(t, seedData(t))
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
			status, header, body := api.send(t, tt.method, tt.contentType, tt.accept, tt.body, tt.url)
			if status != tt.wantStatus || !strings.HasPrefix(header.Get("Content-Type"), tt.wantType) {
				t.Errorf("%s %s = %d %s, want %d %s: %.200s", tt.method, tt.url, status, header.Get("Content-Type"), tt.wantStatus, tt.wantType, body)
			}
			if status == 405 && header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}

// TestRateLimit: a client that spends its points gets 429 with Retry-After and RATE_LIMITED; another
// client is not affected; the cost and what is left are in the headers and in rateLimit.
func TestRateLimit(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	api.h = NewHandler(api.db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{Limiter: NewLimiter(100)})
	body, _ := json.Marshal(map[string]string{"query": "{ rateLimit { cost limit remaining } providers(first: 20) { nodes { id } } }"})
	post := func(addr string) (*httptest.ResponseRecorder, string) {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":1234"
		rec := httptest.NewRecorder()
		api.h.ServeHTTP(rec, req)
		return rec, rec.Body.String()
	}
	first, answer := post("192.0.2.1")
	if first.Code != 200 || first.Header().Get("X-Query-Cost") == "" || !strings.Contains(answer, `"rateLimit":{"cost":`) {
		t.Fatalf("first request: %d %v %s", first.Code, first.Header(), answer)
	}
	var refused *httptest.ResponseRecorder
	for range 20 {
		if rec, _ := post("192.0.2.1"); rec.Code == http.StatusTooManyRequests {
			refused = rec
			break
		}
	}
	if refused == nil || refused.Header().Get("Retry-After") == "" || !strings.Contains(refused.Body.String(), CodeRateLimited) {
		t.Fatalf("no 429 with Retry-After and RATE_LIMITED after spending the points: %v", refused)
	}
	if other, _ := post("192.0.2.2"); other.Code != 200 {
		t.Errorf("another client got %d", other.Code)
	}
}
