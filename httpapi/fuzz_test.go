package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends any method, content type and body to the GraphQL endpoint: the answer is always
// JSON with an expected status, never a 500, and never shows SQL, file paths or stack traces.
func FuzzRequest(f *testing.F) {
	api := newTestAPI(f, Options{})
	f.Add("POST", "application/json", `{"query":"{ dataset { title } }"}`)
	f.Add("POST", "application/json", `{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":"Provider:x"}}`)
	f.Add("POST", "application/json", `{"query":"{ comparison(serviceArea: \"ServiceArea:sfi\", period: \"2018\") { rows { cells { rank } } } }"}`)
	f.Add("POST", "application/json", `{"query":"{ observations(first: 5, after: \"YzEfVVBEQVRFRF9BVCBBU0MfeB95\") { totalCount } }"}`)
	f.Add("POST", "application/json", `[{"query":"{ dataset { title } }"}]`)
	f.Add("GET", "", `query=%7Bdataset%7Btitle%7D%7D`)
	f.Add("POST", "text/plain", `{"query":"{ dataset { title } }"}`)
	f.Add("POST", "application/json", `{"query":"mutation { deleteObservations(input: {ids: [], reason: \"\"}) { deleted } }"}`)
	allowed := map[int]bool{200: true, 400: true, 401: true, 405: true, 406: true, 413: true, 415: true, 429: true}
	f.Fuzz(func(t *testing.T, method, contentType, body string) {
		if method != "GET" && method != "POST" && method != "PUT" {
			method = "POST"
		}
		req := httptest.NewRequest(method, "/graphql", strings.NewReader(body))
		if method == "GET" { // the body is the URL's query string, as sent, however malformed
			req = httptest.NewRequest(method, "/graphql", nil)
			req.URL.RawQuery = body
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		api.h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("%s %q: status %d: %s", method, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: the answer is not JSON: %s", method, body, rec.Body)
		}
		for _, leak := range [][]byte{[]byte("sqlite"), []byte(".go:"), []byte("goroutine "), []byte("SQL logic")} {
			if bytes.Contains(rec.Body.Bytes(), leak) {
				t.Fatalf("%s %q: the answer shows %q: %s", method, body, leak, rec.Body)
			}
		}
		if rec.Code == http.StatusOK && bytes.Contains(rec.Body.Bytes(), []byte(`"INTERNAL"`)) {
			t.Fatalf("%s %q: an internal error: %s", method, body, rec.Body)
		}
	})
}
