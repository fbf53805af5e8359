package httpapi

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	srv, log := newTestServer(t, Options{CORSOrigins: []string{"*"}})
	tests := []struct {
		method, path, body string
		wantStatus         int
		wantType, wantBody string
	}{
		{"GET", "/healthz", "", 200, "text/plain", "ok: data version "},
		{"GET", "/", "", 200, "text/html", "<html"},
		{"GET", "/graphql?query=%7Bdataset%7Btitle%7D%7D", "", 200, "json", "Jämförelse av utförare"},
		{"POST", "/graphql", `{"query":"{ serviceAreas { code } }"}`, 200, "json", `"sfi"`},
		{"GET", "/no-such-page", "", 404, "text/plain", "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d: %s", tt.method, tt.path, resp.StatusCode, tt.wantStatus, body)
			}
			if !strings.Contains(resp.Header.Get("Content-Type"), tt.wantType) || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%s %s: Content-Type %q, body %.200s; want %q containing %q", tt.method, tt.path, resp.Header.Get("Content-Type"), body, tt.wantType, tt.wantBody)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: no X-Content-Type-Options header", tt.method, tt.path)
			}
		})
	}
	if n := strings.Count(log.String(), `"msg":"request"`); n != len(tests) {
		t.Errorf("log has %d request lines for %d requests:\n%s", n, len(tests), log)
	}
}

func TestCORS(t *testing.T) {
	srv, _ := newTestServer(t, Options{CORSOrigins: []string{"https://dashboard.example"}})
	preflight := func(origin string) string {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	if got := preflight("https://dashboard.example"); got != "https://dashboard.example" {
		t.Errorf("preflight from the allowed origin: Access-Control-Allow-Origin = %q", got)
	}
	if got := preflight("https://elsewhere.example"); got != "" {
		t.Errorf("preflight from another origin: Access-Control-Allow-Origin = %q, want none", got)
	}
}
