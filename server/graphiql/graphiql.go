// Package graphiql serves GraphiQL, the in-browser explorer journalists use to read the schema's
// documentation and try queries. Its scripts and styles are vendored from the npm registry (see
// refresh.sh) and embedded in the binary, so the page needs no internet access and loads nothing from
// another origin.
package graphiql

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed index.html app.js page.css assets
var files embed.FS

// ContentSecurityPolicy allows the page nothing from outside this server. Styles may be inline because
// GraphiQL's editor sets some of its own; scripts may not.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"

// Handler serves the page at / and its files under /graphiql/.
func Handler() http.Handler {
	assets, _ := fs.Sub(files, "assets")
	static := http.FileServerFS(assets)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, files, "index.html")
	})
	for _, name := range []string{"app.js", "page.css"} {
		mux.HandleFunc("GET /graphiql/"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, name)
		})
	}
	mux.Handle("GET /graphiql/", http.StripPrefix("/graphiql/", cacheFor(static, "public, max-age=86400")))
	return mux
}

// cacheFor sets Cache-Control on answers: the vendored files change only with a new release.
func cacheFor(next http.Handler, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", value)
		next.ServeHTTP(w, r)
	})
}
