package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jamforelse/api/graph"
	"github.com/jamforelse/api/store"
)

// handleHealthz answers 200 when the database can be read, and on a writer written (store.DB.Health),
// and 503 with the reason when not, for load balancers and operators.
func handleHealthz(logger *slog.Logger, db *store.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		private(h)
		health, err := db.Health(r.Context())
		if err != nil {
			logger.ErrorContext(r.Context(), "unhealthy", "request_id", graph.RequestID(r.Context()), "err", err)
			reason := "the database cannot be checked"
			if bad := (*store.Unhealthy)(nil); errors.As(err, &bad) {
				reason = bad.Reason
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "unhealthy: %s\n", reason)
			return
		}
		fmt.Fprintf(w, "ok: data version %d", health.Version)
		if health.Note != "" {
			fmt.Fprintf(w, "; %s", health.Note)
		}
		fmt.Fprintln(w)
	})
}
