package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// seeded opens a new database file holding the seed data.
func seeded(t testing.TB) *store.DB {
	t.Helper()
	return seedtest.DB(t)
}

// testAPI is the whole HTTP surface over a real SQLite file, called in the test's own process.
type testAPI struct {
	db  *store.DB
	h   http.Handler
	log *syncBuffer
}

// newTestAPI serves the seed data with opts.
func newTestAPI(t testing.TB, opts Options) *testAPI { return newTestAPIFor(t, seeded(t), opts) }

func newTestAPIFor(t testing.TB, db *store.DB, opts Options) *testAPI {
	var log syncBuffer
	return &testAPI{db: db, h: New(slog.New(slog.NewJSONHandler(&log, nil)), db, opts), log: &log}
}

// newTestServer serves the seed data with opts on a loopback port, for clients outside the process.
func newTestServer(t testing.TB, opts Options) (*httptest.Server, *syncBuffer) {
	return newTestServerFor(t, seeded(t), opts)
}

func newTestServerFor(t testing.TB, db *store.DB, opts Options) (*httptest.Server, *syncBuffer) {
	api := newTestAPIFor(t, db, opts)
	srv := httptest.NewServer(api.h)
	t.Cleanup(srv.Close)
	return srv, api.log
}

// answer is what a client gets: the status, the headers and the body, unpacked if it came gzipped.
type answer struct {
	status  int
	header  http.Header
	body    string
	gzipped bool
}

// do sends a request and reads its answer.
func (a *testAPI) do(t testing.TB, req *http.Request) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	got := answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("Content-Encoding gzip, but the body is not gzip: %v", err)
		}
		unpacked, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		got.body, got.gzipped = string(unpacked), true
	}
	return got
}

// post sends a query in a JSON body, with the headers given.
func (a *testAPI) post(t testing.TB, query string, vars map[string]any, headers map[string]string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return a.send(t, "POST", "/graphql", body, headers)
}

// get sends a query in the URL, with the headers given.
func (a *testAPI) get(t testing.TB, query string, vars map[string]any, headers map[string]string) answer {
	t.Helper()
	q := url.Values{"query": {query}}
	if vars != nil {
		v, _ := json.Marshal(vars)
		q.Set("variables", string(v))
	}
	return a.send(t, "GET", "/graphql?"+q.Encode(), nil, headers)
}

// send sends a request with a body (JSON, unless the headers say otherwise).
func (a *testAPI) send(t testing.TB, method, target string, body []byte, headers map[string]string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return a.do(t, req)
}

// stopped is a clock that does not move, so that no bucket refills while a test counts its points.
func stopped() func() time.Time {
	now := time.Now()
	return func() time.Time { return now }
}

// bearer is the header that sends a token.
func bearer(secret string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + secret}
}

// tokens makes an editor's and an admin's token.
func tokens(t testing.TB, db *store.DB) (editor, admin string) {
	t.Helper()
	editor, err := db.CreateToken(t.Context(), "kvalitetskansliet", store.Editor)
	if err != nil {
		t.Fatal(err)
	}
	admin, err = db.CreateToken(t.Context(), "namnden", store.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return editor, admin
}

// syncBuffer is a log that the server's goroutines write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fetch(t testing.TB, method, url string, header map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// newPublicServer serves the seed data on a loopback port whose address is the server's public URL, so
// the links it gives can be followed.
func newPublicServer(t testing.TB, opts Options) *httptest.Server {
	srv := httptest.NewUnstartedServer(nil)
	opts.PublicURL = "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = newTestAPIFor(t, seeded(t), opts).h
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
