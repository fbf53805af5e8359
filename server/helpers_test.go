package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jamforelse/api/httpapi"
	"github.com/jamforelse/api/store"
)

// newTestServerFor serves db as the server does, with its defaults. It returns the server and a
// function that stops it and returns its log (slog writes one line at a time; once the server has
// stopped, nothing writes).
func newTestServerFor(t *testing.T, db *store.DB) (*httptest.Server, func() string) {
	t.Helper()
	var log strings.Builder
	srv := httptest.NewServer(httpapi.New(slog.New(slog.NewJSONHandler(&log, nil)), db, httpapi.Options{CORSOrigins: []string{"*"}}))
	t.Cleanup(srv.Close)
	return srv, func() string {
		srv.Close()
		return log.String()
	}
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
