package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jamforelse/api/store"
)

// tokenKey marks, in a request's context, the API token its caller authenticated with.
type tokenKey struct{}

// WithToken records that the caller of the request holds token (nil: none, or not a valid one). Reading
// needs no token; fields marked @requiresRole look at it, and the audit log names it.
func WithToken(ctx context.Context, token *store.Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// TokenOf returns the token the caller of ctx's request authenticated with, or nil.
func TokenOf(ctx context.Context) *store.Token {
	token, _ := ctx.Value(tokenKey{}).(*store.Token)
	return token
}

// errReadOnly refuses a write on a server that only reads.
var errReadOnly = fmt.Errorf("this server only reads the database; send writes to the writer: %w", store.ErrForbidden)

// requiresRole is the @requiresRole directive: the field resolves only for a token with the role, and
// on a read-only server not at all (every such field writes, or reads what only the writer keeps).
func requiresRole(readOnly bool) func(ctx context.Context, _ any, next graphql.Resolver, role store.Role) (any, error) {
	return func(ctx context.Context, _ any, next graphql.Resolver, role store.Role) (any, error) {
		token := TokenOf(ctx)
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
	ch := store.Change{Reason: reason}
	if token := TokenOf(ctx); token != nil {
		ch.Actor = token.Name
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		ch.Operation = fc.Field.Name
	}
	return ch
}

// DependsOnCaller reports whether an operation's answer may differ from one caller to the next, so
// must never be kept or shared: a mutation, or a query that asks anywhere for the caller's own rate
// limit or for a field that needs a role (such as the audit log).
func DependsOnCaller(op *ast.OperationDefinition) bool {
	return op.Operation != ast.Query || asksForCallersOwn(op.SelectionSet, map[string]bool{})
}

func asksForCallersOwn(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if callersOwn(s) || asksForCallersOwn(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if asksForCallersOwn(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if asksForCallersOwn(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

// callersOwn reports whether a field's value is the caller's own.
func callersOwn(f *ast.Field) bool {
	if f.Definition == nil {
		return false
	}
	rateLimit := f.Name == "rateLimit" && f.ObjectDefinition != nil && f.ObjectDefinition.Name == "Query"
	return rateLimit || f.Definition.Directives.ForName("requiresRole") != nil
}
