package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/rs/cors"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/server/graphiql"
	"github.com/jamforelse/api/store"
)

// newServer builds the whole HTTP surface with its middleware.
func newServer(logger *slog.Logger, db *store.DB, cfg config) http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, graph.NewLimiter(cfg.rateLimit))
	// Reading is public and no request carries cookies, so letting any origin's pages call the API
	// exposes nothing; CORS_ORIGINS narrows it when wanted.
	c := cors.New(cors.Options{
		AllowedOrigins: cfg.corsOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization"},
		MaxAge:         600,
	})
	return logRequests(logger, securityHeaders(c.Handler(mux)))
}

// addRoutes lists the entire HTTP API.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, db *store.DB, limiter *graph.Limiter) {
	mux.Handle("/graphql", cacheGraphQLGets(logger, db, graph.NewHandler(db, logger, graph.Options{Limiter: limiter})))
	mux.Handle("GET /export/{file}", handleExport(logger, db))
	mux.Handle("GET /dataset.jsonld", handleDatasetJSONLD(logger, db))
	mux.Handle("GET /healthz", handleHealthz(db))
	ui := graphiql.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /graphiql/", ui)
}

// handleHealthz answers 200 when the database answers, for load balancers and tests.
func handleHealthz(db *store.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := db.Ping(r.Context()); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one log line per request.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.InfoContext(r.Context(), "request",
			"method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "remote", r.RemoteAddr)
	})
}

// statusRecorder remembers the status and size of an answer for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (for flushing and deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
