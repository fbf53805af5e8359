package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/rs/cors"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/server/graphiql"
	"github.com/jamforelse/api/store"
)

// newServer builds the whole HTTP surface with its middleware.
func newServer(logger *slog.Logger, db *store.DB, cfg config) http.Handler {
	mux := http.NewServeMux()
	addRoutes(mux, logger, db, graph.Options{Limiter: graph.NewLimiter(cfg.rateLimit), ReadOnly: cfg.readOnly, CacheSize: cfg.cacheSize})
	// Reading is public and no request carries cookies, so letting any origin's pages call the API
	// exposes nothing; CORS_ORIGINS narrows it when wanted.
	c := cors.New(cors.Options{
		AllowedOrigins: cfg.corsOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization"},
		MaxAge:         600,
	})
	return withRequestID(logRequests(logger, recoverPanics(logger, securityHeaders(c.Handler(mux)))))
}

// addRoutes lists the entire HTTP API.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, db *store.DB, opts graph.Options) {
	limiter := opts.Limiter
	mux.Handle("/graphql", cacheGraphQLGets(logger, db, graph.NewHandler(db, logger, opts)))
	mux.Handle("GET /export/{file}", charge(limiter, exportCost, handleExport(logger, db)))
	mux.Handle("GET /dataset.jsonld", charge(limiter, 10, handleDatasetJSONLD(logger, db)))
	mux.Handle("GET /healthz", handleHealthz(db))
	ui := graphiql.Handler()
	mux.Handle("GET /{$}", ui)
	mux.Handle("GET /graphiql/", ui)
}

// exportCost is what a bulk download costs against the rate limit: as much as a large query.
const exportCost = 5000

// charge takes cost points from the client's bucket (by address) before a request that is not a
// GraphQL query, or answers 429 with Retry-After when the bucket holds too few.
func charge(limiter *graph.Limiter, cost int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		q, ok := limiter.Take("address:"+host, cost, time.Now())
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(q.Limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(q.Remaining))
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(q.RetryIn.Seconds()))))
			http.Error(w, "rate limit: too many requests from this address; try again later (RATE_LIMITED)", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
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
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.Get("Content-Security-Policy") == "" {
			// Answers other than the GraphiQL page (which sets its own) are data, never a page to run.
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one log line per request.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.InfoContext(r.Context(), "request", "request_id", graph.RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "cache", w.Header().Get("X-Cache"), "remote", r.RemoteAddr)
	})
}

// requestIDPattern is what a caller's own X-Request-ID may look like to be kept.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an ID, the caller's X-Request-ID if it sent a sensible one, and
// returns it in the answer: logs and INTERNAL errors carry it, so a reported error can be traced.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(graph.WithRequestID(r.Context(), id)))
	})
}

// recoverPanics turns a panic anywhere in a request into a logged INTERNAL error, so one bad request
// cannot take the server down or show a stack trace.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // the server's own way to abort a response; let it through
				}
				id := graph.RequestID(r.Context())
				logger.ErrorContext(r.Context(), "panic", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL","requestId":%q}}]}`, id)
			}
		}()
		next.ServeHTTP(w, r)
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
