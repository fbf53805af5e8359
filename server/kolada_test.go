package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestKoladaSyncCommand runs `server kolada-sync` against a stand-in for the API that has nothing:
// it asks for every place of the register in chunks of 25 (13 requests for 312 places), and a second
// run asks only for what changed since.
func TestKoladaSyncCommand(t *testing.T) {
	var requests atomic.Int32
	var lastQuery atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		lastQuery.Store(r.URL.RawQuery)
		w.Write([]byte(`{"count":0,"next_url":null,"previous_url":null,"values":[]}`))
	}))
	defer api.Close()
	dbPath := filepath.Join(t.TempDir(), "sync.db")
	env := func(name string) string {
		if name == "KOLADA_URL" {
			return api.URL + "/v3"
		}
		return ""
	}
	for i, want := range []string{"kolada-sync: everything: 13 request(s), 13 page(s)", "kolada-sync: changes from "} {
		var out strings.Builder
		if err := run(t.Context(), []string{"server", "kolada-sync", "-db", dbPath, "-years", "2023-2024"}, env, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i+1, err, out.String())
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "kolada-sync: 0 added, 0 corrected, 0 removed, 0 unchanged") {
			t.Errorf("run %d printed %q, want %q and nothing changed", i+1, out.String(), want)
		}
	}
	if q := lastQuery.Load().(string); !strings.Contains(q, "from_date=") {
		t.Errorf("the second run asked %q, want from_date", q)
	}
}
