package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/jamforelse/api/graph"
)

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

// logRequests writes one log line per request, naming the client as the rate limit sees it.
func logRequests(logger *slog.Logger, clients clients, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.InfoContext(r.Context(), "request", "request_id", graph.RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "cache", w.Header().Get("X-Cache"),
			"remote", r.RemoteAddr, "client", clients.address(r).String())
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
				internalError(w, r)
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

// writeError answers with one GraphQL-style error and a status, in JSON (unless the handler chose a
// JSON media type already), never to be cached.
func writeError(w http.ResponseWriter, status int, message string, extensions map[string]any) {
	h := w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", mediaJSON+"; charset=utf-8")
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"message": message, "extensions": extensions}}})
}

// refuse answers a request that cannot be read or run as sent, saying why.
func refuse(w http.ResponseWriter, status int, message string) {
	writeError(w, status, message, map[string]any{"code": graph.CodeBadUserInput})
}

// internalError tells the client only that something went wrong, and the request's ID; the caller has
// logged the cause.
func internalError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	writeError(w, http.StatusInternalServerError, "internal error", map[string]any{"code": graph.CodeInternal, "requestId": graph.RequestID(r.Context())})
}

// unavailable is internalError for a failure that should pass, such as the database not answering.
func unavailable(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	w.Header().Set("Retry-After", "5")
	writeError(w, http.StatusServiceUnavailable, "internal error: the service cannot answer now; try again shortly",
		map[string]any{"code": graph.CodeInternal, "requestId": graph.RequestID(r.Context())})
}
