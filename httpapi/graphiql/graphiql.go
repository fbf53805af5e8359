// Package graphiql serves GraphiQL, the in-browser explorer journalists use to read the schema's
// documentation and try queries. Its scripts and styles are vendored from the npm registry (see
// refresh.sh and assets/VERSIONS) and embedded in the binary, so the page needs no internet access
// and loads nothing from another origin.
package graphiql

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
)

// files holds the page (index.html), the page's own code and layout (app.js, page.css), the tour
// (tour/) and the vendored builds of React, ReactDOM, GraphiQL and its explorer plugin with their
// licences (assets/).
//
//go:embed index.html app.js page.css assets tour
var files embed.FS

// Tour is the example queries a first visit sees as GraphiQL's tabs, in order: the welcome, then the
// questions a journalist asks (which provider had the best results, what the city pays per pass, who
// funds the association …), each a query that opens with comments saying what it answers. They are
// files (tour/*.graphql, in name order) so that a test can run each against the seed.
func Tour() []string {
	names, err := fs.Glob(files, "tour/*.graphql") // sorted by name
	if err != nil {
		panic(err) // the pattern is valid
	}
	tour := make([]string, len(names))
	for i, name := range names {
		query, err := fs.ReadFile(files, name)
		if err != nil {
			panic(err) // embedded: it was read at build time
		}
		tour[i] = string(query)
	}
	return tour
}

// ContentSecurityPolicy allows the page nothing from outside this server, and no inline script.
//
// Styles are 'self' only, without 'unsafe-inline'. GraphiQL 3.9 works fully without it (checked in
// headless Chromium): React and CodeMirror set styles through the DOM (element.style), which CSP does not
// restrict. Two things in graphiql.min.js do ask for inline styles, and a browser refuses them with a
// console message, harmlessly:
//   - opening a dialog (settings, short keys) adds a <style> element that locks the page's scrolling
//     (react-remove-scroll); the page is exactly the window's height and never scrolls anyway;
//   - CodeMirror's search and jump-to-line boxes (Ctrl-F, Alt-G) give their field style="width: 10em";
//     the field is then somewhat wider.
//
// font-src and img-src allow data: because graphiql.min.css embeds its fonts and icons as data: URLs.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"

// contentTypes are set here rather than looked up: Go's mime package reads the machine's
// /etc/mime.types, which may call .js application/javascript or leave out the charset.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// Handler serves the page at / and its files at /graphiql/<file>; any other path is 404.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", servePage)
	mux.HandleFunc("GET /graphiql/{file}", serveFile)
	mux.HandleFunc("GET /graphiql/tour.json", serveTour)
	return mux
}

// serveTour sends the tour as a JSON array of queries, for app.js to open as tabs.
func serveTour(w http.ResponseWriter, r *http.Request) {
	body, err := json.Marshal(Tour())
	if err != nil {
		panic(err) // strings always marshal
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache") // changes with the server, like app.js
	w.Write(body)
}

func servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Cache-Control", "no-cache") // the page changes with every release of the server
	http.ServeFileFS(w, r, files, "index.html")
}

// serveFile serves app.js and page.css, which change with the server, and the vendored files in
// assets/, which change only when refresh.sh is run for new versions and may be cached for a day.
func serveFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	file, cache := "assets/"+name, "public, max-age=86400"
	if name == "app.js" || name == "page.css" {
		file, cache = name, "no-cache"
	}
	// Only regular files: FileServer would list a directory, and ServeFileFS redirects a name ending in
	// index.html. fs.Stat also refuses names such as ".." that are not valid paths.
	if info, err := fs.Stat(files, file); err != nil || !info.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", cache)
	http.ServeFileFS(w, r, files, file)
}
