package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(body)
}

// TestPageLoadsOnlyItsOwnFiles: the page and every file it references are served from this handler,
// so GraphiQL works with no internet access.
func TestPageLoadsOnlyItsOwnFiles(t *testing.T) {
	resp, page := get(t, "/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s, want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Content-Security-Policy") != ContentSecurityPolicy {
		t.Errorf("GET / has no Content-Security-Policy header")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 5 {
		t.Fatalf("the page references %d files, want the 4 scripts and 2 stylesheets", len(refs))
	}
	for _, ref := range refs {
		path := ref[1]
		if !strings.HasPrefix(path, "/graphiql/") {
			t.Errorf("the page loads %q, which is not one of this server's files", path)
			continue
		}
		resp, body := get(t, path)
		wantType := map[bool]string{true: "text/javascript", false: "text/css"}[strings.HasSuffix(path, ".js")]
		if resp.StatusCode != http.StatusOK || len(body) == 0 || !strings.HasPrefix(resp.Header.Get("Content-Type"), wantType) {
			t.Errorf("GET %s = %d, %d bytes, %s; want 200 with %s", path, resp.StatusCode, len(body), resp.Header.Get("Content-Type"), wantType)
		}
	}
}

func TestUnknownPathIsNotFound(t *testing.T) {
	for _, path := range []string{"/graphiql/nope.js", "/other"} {
		if resp, _ := get(t, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
}
