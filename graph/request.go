package graph

import "context"

// requestIDKey marks a request's ID in its context.
type requestIDKey struct{}

// WithRequestID records the ID a request is known by in logs and in INTERNAL errors, so a user who
// reports an error can be matched to its cause.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the ID of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
