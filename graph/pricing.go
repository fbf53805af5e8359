package graph

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// pricing is a gqlgen extension that prices every operation after it is parsed and validated and
// before anything runs: too large an operation is refused with QUERY_TOO_COMPLEX, and the cost of any
// other is charged to the Meter in the context, which may refuse it with a *RateLimitedError.
type pricing struct{ limits Limits }

// pricingStats names the operation's Quota among its extension stats.
const pricingStats = "Pricing"

func (pricing) ExtensionName() string                   { return pricingStats }
func (pricing) Validate(graphql.ExecutableSchema) error { return nil }

func (p pricing) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	cost := measure(rc.Doc, rc.Operation, rc.Variables)
	if problem := p.limits.check(cost); problem != "" {
		return &gqlerror.Error{Message: problem, Extensions: map[string]any{"code": CodeQueryTooComplex, "cost": cost.Cost}}
	}
	quota := Quota{Cost: cost.Cost, Limit: math.MaxInt32, Remaining: math.MaxInt32, ResetAt: time.Now()}
	if meter, ok := ctx.Value(meterKey{}).(Meter); ok {
		q, err := meter(cost.Cost)
		if err != nil {
			return gqlerror.WrapPath(nil, err)
		}
		quota = q
	}
	rc.Stats.SetExtension(pricingStats, &quota)
	return nil
}

// QuotaOf returns what an operation cost and what its caller has left, once CreateOperationContext
// has priced it.
func QuotaOf(rc *graphql.OperationContext) (Quota, bool) {
	q, ok := rc.Stats.GetExtension(pricingStats).(*Quota)
	if !ok {
		return Quota{}, false
	}
	return *q, true
}

// check says what limit a query's cost breaks, if any.
func (l Limits) check(c Cost) string {
	switch {
	case c.Depth > l.MaxDepth:
		return fmt.Sprintf("the query nests %d deep; at most %d is allowed", c.Depth, l.MaxDepth)
	case c.Aliases > l.MaxAliases:
		return fmt.Sprintf("the query has %d aliases; at most %d are allowed", c.Aliases, l.MaxAliases)
	case c.Fields > l.MaxFields:
		return fmt.Sprintf("the query asks for %d fields (counting each use of a fragment); at most %d are allowed", c.Fields, l.MaxFields)
	case c.Cost > l.MaxCost:
		return fmt.Sprintf("the query could return about %d objects; at most %d are allowed: ask for smaller pages (first, last)", c.Cost, l.MaxCost)
	}
	return ""
}

// Quota is a caller's standing against the rate limit after a request: the schema's RateLimit.
type Quota struct {
	Limit     int           // points a minute
	Remaining int           // points left now
	Cost      int           // what this request cost
	ResetAt   time.Time     // when the bucket will be full again
	RetryIn   time.Duration // when refused: how long until the bucket holds enough
}

// A Meter charges cost points to the caller of a request and returns the caller's standing, or a
// *RateLimitedError when the caller has too few left. The HTTP layer, which knows who the caller is,
// puts one into each request's context (WithMeter); without one, nothing is charged.
type Meter func(cost int) (Quota, error)

type meterKey struct{}

// WithMeter makes m charge the operations run with the returned context.
func WithMeter(ctx context.Context, m Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// RateLimitedError refuses a request whose caller has spent its points.
type RateLimitedError struct{ Quota Quota }

// RetryAfter is how many whole seconds the caller should wait.
func (e *RateLimitedError) RetryAfter() int { return int(math.Ceil(e.Quota.RetryIn.Seconds())) }

func (e *RateLimitedError) Error() string {
	q := e.Quota
	return fmt.Sprintf("rate limit: this request costs %d points and %d are left of %d a minute; try again in %d s",
		q.Cost, q.Remaining, q.Limit, e.RetryAfter())
}

// Extensions are the error's extensions in a GraphQL answer.
func (e *RateLimitedError) Extensions() map[string]any {
	return map[string]any{"code": CodeRateLimited, "retryAfter": e.RetryAfter()}
}
