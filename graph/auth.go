package graph

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/jamforelse/api/store"
)

// tokenKey marks, in a request's context, the API token the request carries.
type tokenKey struct{}

// authenticated reads the request's bearer token, if it has one, and puts what it belongs to into the
// context. Reading needs no token, so a request without one, or with a wrong one, still reads; only
// fields marked @requiresRole look at the result. The secret itself goes no further than this.
func authenticated(db *store.DB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			next.ServeHTTP(w, r)
			return
		}
		var token *store.Token
		scheme, secret, _ := strings.Cut(header, " ")
		if strings.EqualFold(scheme, "Bearer") {
			t, err := db.Authenticate(r.Context(), strings.TrimSpace(secret))
			if err == nil {
				token = t
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, token)))
	})
}

// errReadOnly refuses a write on a server that only reads.
var errReadOnly = fmt.Errorf("this server only reads the database; send writes to the writer: %w", store.ErrForbidden)

// requiresRole is the @requiresRole directive: the field resolves only for a token with the role, and
// on a read-only server not at all (every such field writes, or reads what only the writer keeps).
func requiresRole(readOnly bool) func(ctx context.Context, _ any, next graphql.Resolver, role store.Role) (any, error) {
	return func(ctx context.Context, _ any, next graphql.Resolver, role store.Role) (any, error) {
		token, _ := ctx.Value(tokenKey{}).(*store.Token)
		switch {
		case readOnly:
			return nil, errReadOnly
		case token == nil:
			return nil, store.ErrUnauthenticated
		case !token.Role.Allows(role):
			return nil, store.ErrForbidden
		}
		return next(ctx)
	}
}

// change describes a mutation for the audit log: the token's name, the field, and the reason given.
func change(ctx context.Context, reason *string) store.Change {
	token, _ := ctx.Value(tokenKey{}).(*store.Token)
	ch := store.Change{Reason: reason}
	if token != nil {
		ch.Actor = token.Name
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		ch.Operation = fc.Field.Name
	}
	return ch
}
