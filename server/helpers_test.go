package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jamforelse/api/httpapi"
	"github.com/jamforelse/api/store"
)

// newTestServerFor serves db as the server does, with its defaults, and returns the server and its log.
func newTestServerFor(t *testing.T, db *store.DB) (*httptest.Server, *syncBuffer) {
	t.Helper()
	var log syncBuffer
	srv := httptest.NewServer(httpapi.New(slog.New(slog.NewJSONHandler(&log, nil)), db, httpapi.Options{CORSOrigins: []string{"*"}}))
	t.Cleanup(srv.Close)
	return srv, &log
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

func fetch(t *testing.T, method, url string, header map[string]string, body string) (*http.Response, string) {
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
