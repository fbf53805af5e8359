package graphiql

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// refs are the src and href attributes of the page.
var refs = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

// TestPage: the page is HTML with the Content-Security-Policy, and loads nothing from elsewhere.
func TestPage(t *testing.T) {
	resp, page := get(t, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want %d", resp.StatusCode, http.StatusOK)
	}
	headers := []struct{ name, want string }{
		{"Content-Type", "text/html; charset=utf-8"},
		{"Content-Security-Policy", ContentSecurityPolicy},
	}
	for _, h := range headers {
		if got := resp.Header.Get(h.name); got != h.want {
			t.Errorf("GET / %s = %q, want %q", h.name, got, h.want)
		}
	}
	for _, ref := range refs.FindAllStringSubmatch(page, -1) {
		if u := strings.ToLower(ref[1]); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "//") {
			t.Errorf("the page loads %q, from another server", ref[1])
		}
	}
	// The policy forbids inline scripts and styles, so the page must have none.
	for _, script := range regexp.MustCompile(`<script\b([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(script[1], "src=") || strings.TrimSpace(script[2]) != "" {
			t.Errorf("the page has an inline script: %q", script[0])
		}
	}
	inline := []struct{ what, pattern string }{
		{"a <style> element", `<style[\s>]`},
		{"a style attribute", `\sstyle=`},
		{"an event handler attribute", `\son[a-z]+=`},
	}
	for _, in := range inline {
		if m := regexp.MustCompile(in.pattern).FindString(page); m != "" {
			t.Errorf("the page has %s: %q", in.what, m)
		}
	}
	for _, outside := range []string{"http:", "https:", "'unsafe-inline'", "'unsafe-eval'", "*"} {
		if strings.Contains(ContentSecurityPolicy, outside) {
			t.Errorf("ContentSecurityPolicy allows %s: %s", outside, ContentSecurityPolicy)
		}
	}
}

// TestPageFiles: every file the page references is served here, with its type and a body.
func TestPageFiles(t *testing.T) {
	_, page := get(t, "/")
	var paths []string
	for _, ref := range refs.FindAllStringSubmatch(page, -1) {
		if strings.HasPrefix(ref[1], "/") {
			paths = append(paths, ref[1])
		}
	}
	if len(paths) != 8 {
		t.Fatalf("the page references %d files here (%v), want 5 scripts and 3 stylesheets", len(paths), paths)
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want %d", path, resp.StatusCode, http.StatusOK)
			}
			if len(body) == 0 {
				t.Errorf("GET %s has an empty body", path)
			}
			wantType := "text/css; charset=utf-8"
			if strings.HasSuffix(path, ".js") {
				wantType = "text/javascript; charset=utf-8"
			}
			if got := resp.Header.Get("Content-Type"); got != wantType {
				t.Errorf("GET %s Content-Type = %q, want %q", path, got, wantType)
			}
			wantCache := "public, max-age=86400" // vendored
			if path == "/graphiql/app.js" || path == "/graphiql/page.css" {
				wantCache = "no-cache" // the page's own, which changes with the server
			}
			if got := resp.Header.Get("Cache-Control"); got != wantCache {
				t.Errorf("GET %s Cache-Control = %q, want %q", path, got, wantCache)
			}
		})
	}
}

// TestLicences: the vendored code's licences are served beside it.
func TestLicences(t *testing.T) {
	for _, pkg := range []string{"react", "react-dom", "graphiql"} {
		path := "/graphiql/LICENSE." + pkg + ".txt"
		t.Run(path, func(t *testing.T) {
			resp, body := get(t, path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "MIT License") {
				t.Errorf("GET %s = %d, %.40q; want %d with the MIT licence", path, resp.StatusCode, body, http.StatusOK)
			}
		})
	}
}

// TestTourIsServed: /graphiql/tour.json is the tour, in order, for app.js to open as tabs. (That each
// query answers on the seed is tested in httpapi, which has the server.)
func TestTourIsServed(t *testing.T) {
	resp, body := get(t, "/graphiql/tour.json")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /graphiql/tour.json = %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var tour []string
	if err := json.Unmarshal([]byte(body), &tour); err != nil {
		t.Fatal(err)
	}
	if want := Tour(); !slices.Equal(tour, want) || len(want) < 4 {
		t.Errorf("GET /graphiql/tour.json has %d queries, want the %d of Tour() (at least 4)", len(tour), len(want))
	}
	if !strings.HasPrefix(tour[0], "# Welcome!") {
		t.Errorf("the tour does not open with the welcome: %.60q", tour[0])
	}
}

func TestNotFound(t *testing.T) {
	for _, path := range []string{
		"/other",
		"/index.html",
		"/app.js",
		"/graphiql",
		"/graphiql/",                       // a directory: no listing
		"/graphiql/nope.js",                // no such file
		"/graphiql/index.html",             // the page is at / only
		"/graphiql/graphiql.go",            // not an asset
		"/graphiql/assets/graphiql.min.js", // assets/ is not part of the address
		"/graphiql/..%2fgraphiql.go",       // no way out of assets/
		"/graphiql/react.production.min.js/extra", // files have no sub-paths
	} {
		t.Run(path, func(t *testing.T) {
			if resp, _ := get(t, path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, http.StatusNotFound)
			}
		})
	}
}

// TestVersions: assets/VERSIONS, which refresh.sh writes, names every vendored file with its sha256, so a
// file changed by hand (or a refresh that was not committed whole) shows up here.
func TestVersions(t *testing.T) {
	list, err := files.Open("assets/VERSIONS")
	if err != nil {
		t.Fatal(err)
	}
	defer list.Close()
	listed := map[string]bool{"VERSIONS": true}
	lines := bufio.NewScanner(list)
	for lines.Scan() {
		line := lines.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line) // package version file sha256
		if len(f) != 4 {
			t.Errorf("assets/VERSIONS: %q, want: package version file sha256", line)
			continue
		}
		listed[f[2]] = true
		data, err := fs.ReadFile(files, "assets/"+f[2])
		if err != nil {
			t.Errorf("assets/VERSIONS names %s: %v", f[2], err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f[3] {
			t.Errorf("assets/%s has sha256 %x, want %s (from assets/VERSIONS): run refresh.sh", f[2], sum, f[3])
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(files, "assets")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			t.Errorf("assets/%s is not in assets/VERSIONS", e.Name())
		}
	}
}
