package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// authenticate reads a request's bearer token, if it has one, and puts what it belongs to into the
// context (graph.WithToken). Reading needs no token, so a request without one, or with a wrong one,
// still reads; only writes and fields marked @requiresRole look at the result. The secret itself goes
// no further than this. When the database fails to answer, the caller cannot be told whether its
// token is valid: that is INTERNAL (503), never UNAUTHENTICATED.
func authenticate(logger *slog.Logger, db *store.DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			if header == "" {
				next.ServeHTTP(w, r)
				return
			}
			var token *store.Token
			if scheme, secret, _ := strings.Cut(header, " "); strings.EqualFold(scheme, "Bearer") {
				t, err := db.Authenticate(r.Context(), strings.TrimSpace(secret))
				switch {
				case err == nil:
					token = t
				case !errors.Is(err, store.ErrUnauthenticated):
					logger.ErrorContext(r.Context(), "token lookup failed", "request_id", graph.RequestID(r.Context()), "err", err)
					unavailable(w, r)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(graph.WithToken(r.Context(), token)))
		})
	}
}
