package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/jamforelse/api/store"
)

// Error codes clients see in extensions.code.
const (
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeInternal        = "INTERNAL"
	CodeTimeout         = "TIMEOUT"
	CodeQueryTooComplex = "QUERY_TOO_COMPLEX"
	CodeRateLimited     = "RATE_LIMITED"
)

// ParserTokenLimit bounds the size of a query before it is validated: validation time grows with the
// square of a query's size, and the dashboard's largest operation has about 120 tokens.
const ParserTokenLimit = 5000

// Options tune the executor; zero fields take the defaults.
type Options struct {
	Limits Limits // how large a query may be; DefaultLimits
	// ReadOnly refuses every mutation: the server reads a database that another process writes.
	ReadOnly bool
	// PublicURL is where readers reach the service: the downloads' URLs start with it.
	PublicURL string

	// everyFieldByGqlgen turns writeDirectly off, so tests can compare its answers with gqlgen's.
	everyFieldByGqlgen bool
}

// NewExecutor returns gqlgen's executor of the schema over db, configured: the only place gqlgen is.
// It runs operations however they arrive; the HTTP layer (package httpapi) reads them from requests,
// calls CreateOperationContext and DispatchOperation, and writes the answers. Every operation is
// measured and priced before it runs (see pricing), and charged to the Meter its context carries.
func NewExecutor(db *store.DB, logger *slog.Logger, opts Options) *executor.Executor {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	cfg := Config{Resolvers: &Resolver{db: db, publicURL: opts.PublicURL}}
	cfg.Directives.RequiresRole = requiresRole(opts.ReadOnly)
	exec := executor.New(NewExecutableSchema(cfg))
	exec.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	exec.SetParserTokenLimit(ParserTokenLimit)
	exec.Use(extension.Introspection{})
	// Automatic persisted queries: a client may send a query's SHA-256 instead of its text, which keeps
	// GET URLs short and cacheable. Only queries are kept, so an operation sent by its hash alone is
	// always a query (the HTTP layer refuses mutations before it decodes their variables).
	exec.Use(extension.AutomaticPersistedQuery{Cache: queriesOnly{lru.New[string](10000)}})
	exec.Use(pricing{limits: opts.Limits})
	exec.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withPlans(withSources(ctx)))
	})
	exec.AroundFields(fieldMiddleware(!opts.everyFieldByGqlgen))
	exec.AroundResponses(markIllustrative(db))
	exec.SetErrorPresenter(presentError(logger))
	exec.SetRecoverFunc(func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "resolver panic", "request_id", RequestID(ctx), "panic", v, "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": CodeInternal, "requestId": RequestID(ctx)}}
	})
	return exec
}

// fieldMiddleware is the executor's one field middleware, around every field of every answer (each
// middleware costs an allocation a field, BENCHMARKS.md): it keeps the sources of what every field
// returned, and writes a value at once when the query asks only for its plain fields (writeDirectly).
func fieldMiddleware(directly bool) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		res, err := next(ctx)
		if err != nil {
			return res, err
		}
		if directly {
			if m, ok := writeDirectly(ctx, res); ok {
				return m, nil // its writer kept the sources of every object it wrote, this one's too
			}
		}
		noteSources(ctx, res)
		return res, nil
	}
}

// queriesOnly is a persisted-query cache that keeps queries and nothing else.
type queriesOnly struct{ graphql.Cache[string] }

func (c queriesOnly) Add(ctx context.Context, hash, query string) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, ParserTokenLimit)
	if err != nil {
		return
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query {
			return
		}
	}
	c.Cache.Add(ctx, hash, query)
}

// presentError shows users only messages meant for them: gqlgen's own parse and validation errors pass
// through (Err is nil), the store's input and not-found errors get a code, and anything else is logged
// with its cause and answered as "internal error", so no SQL, path or stack trace reaches a client.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := graphql.DefaultErrorPresenter(ctx, err)
		var input *store.InputError
		var problems *store.ProblemsError
		var invalid *store.ValidationError
		var limited *RateLimitedError
		switch {
		case e.Err == nil:
		case errors.As(err, &input):
			e.Message = input.Msg
			e.Extensions = map[string]any{"code": CodeBadUserInput}
		case errors.As(err, &problems):
			list := make([]map[string]any, len(problems.Problems))
			for i, p := range problems.Problems {
				list[i] = map[string]any{"row": p.Row, "field": p.Field, "message": p.Message}
			}
			e.Message = problems.Error()
			e.Extensions = map[string]any{"code": CodeBadUserInput, "problems": list}
		case errors.As(err, &invalid):
			e.Message = invalid.Error()
			e.Extensions = map[string]any{"code": CodeBadUserInput, "problems": invalid.Problems}
		case errors.As(err, &limited):
			e.Message = limited.Error()
			e.Extensions = limited.Extensions()
		case errors.Is(err, store.ErrUnauthenticated):
			e.Message = UnauthenticatedMessage
			e.Extensions = map[string]any{"code": CodeUnauthenticated}
		case errors.Is(err, store.ErrForbidden):
			e.Message = err.Error()
			e.Extensions = map[string]any{"code": CodeForbidden}
		case errors.Is(err, store.ErrNotFound):
			e.Message = err.Error()
			e.Extensions = map[string]any{"code": CodeNotFound}
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			logger.WarnContext(ctx, "request timed out", "request_id", RequestID(ctx), "path", e.Path.String(), "err", err)
			e.Message = "the request took longer than its time limit and was stopped: ask for less, or smaller pages"
			e.Extensions = map[string]any{"code": CodeTimeout, "requestId": RequestID(ctx)}
		default:
			logger.ErrorContext(ctx, "resolver failed", "request_id", RequestID(ctx), "path", e.Path.String(), "err", err)
			e.Message = "internal error"
			e.Extensions = map[string]any{"code": CodeInternal, "requestId": RequestID(ctx)}
		}
		return e
	}
}

// UnauthenticatedMessage is what a caller without a valid token is told when it asks for what needs one.
const UnauthenticatedMessage = "a valid API token is required: send it as Authorization: Bearer <token>"
