package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

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
)

// parserTokenLimit bounds the size of a query before it is validated: validation time grows with the
// square of a query's size, and the dashboard's largest operation has about 120 tokens.
const parserTokenLimit = 5000

// Options tune the GraphQL handler; zero fields take the defaults.
type Options struct {
	Limits  Limits        // how large a query may be; DefaultLimits
	Limiter *Limiter      // each client's points; nil: no rate limit
	MaxBody int64         // the largest request body in bytes; 1 MiB
	Timeout time.Duration // how long a request may run, its SQL included; 10 s
	// ReadOnly refuses every mutation: the server reads a database that another process writes.
	ReadOnly bool
	// CacheSize is how many bytes of compressed answers to public queries are kept for the next
	// request that asks the same (see answerCache); 0 keeps none.
	CacheSize int64

	// everyFieldByGqlgen turns writeCellsDirectly off, so tests can compare its answers with gqlgen's.
	everyFieldByGqlgen bool
}

// NewHandler returns the handler for /graphql. It is the only place gqlgen is configured.
func NewHandler(db *store.DB, logger *slog.Logger, opts Options) http.Handler {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = 1 << 20
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	cfg := Config{Resolvers: &Resolver{db: db}}
	cfg.Directives.RequiresRole = requiresRole(opts.ReadOnly)
	h := handler.New(NewExecutableSchema(cfg))
	// One transport for GET (queries) and POST with a JSON body, as GraphQL over HTTP says: no multipart
	// or form bodies, so a page on another site cannot send a query without a CORS preflight.
	h.AddTransport(httpTransport{db: db, answers: newAnswerCache(opts.CacheSize), limits: opts.Limits, limiter: opts.Limiter, maxBody: opts.MaxBody, timeout: opts.Timeout})
	h.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	h.SetParserTokenLimit(parserTokenLimit)
	h.Use(extension.Introspection{})
	// Automatic persisted queries: a client may send a query's SHA-256 instead of its text, which keeps
	// GET URLs short and cacheable.
	h.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](10000)})
	h.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withSources(withCatalogHolder(ctx)))
	})
	h.AroundFields(noteSources)
	h.AroundResponses(markIllustrative(db))
	if !opts.everyFieldByGqlgen {
		h.AroundFields(writeCellsDirectly)
	}
	h.SetErrorPresenter(presentError(logger))
	h.SetRecoverFunc(func(ctx context.Context, v any) error {
		logger.ErrorContext(ctx, "resolver panic", "request_id", RequestID(ctx), "panic", v, "stack", string(debug.Stack()))
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": CodeInternal, "requestId": RequestID(ctx)}}
	})
	return authenticated(db, h)
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
		case errors.Is(err, store.ErrUnauthenticated):
			e.Message = "a valid API token is required: send it as Authorization: Bearer <token>"
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
