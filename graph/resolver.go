package graph

import (
	"context"
	"sync"
	"time"

	"github.com/jamforelse/api/store"
)

// Resolver holds what the resolvers depend on.
type Resolver struct {
	db *store.DB
}

// catalogKey marks the per-request catalog holder in a context.
type catalogKey struct{}

// catalogHolder loads the catalog at most once per request, so every resolver of one request sees the
// same version of the data.
type catalogHolder struct {
	once    sync.Once
	catalog *store.Catalog
	err     error
}

func withCatalogHolder(ctx context.Context) context.Context {
	return context.WithValue(ctx, catalogKey{}, new(catalogHolder))
}

// catalog returns the request's catalog.
func (r *Resolver) catalog(ctx context.Context) (*store.Catalog, error) {
	h, _ := ctx.Value(catalogKey{}).(*catalogHolder)
	if h == nil { // outside a request (tests calling a resolver directly)
		return r.db.Catalog(ctx)
	}
	h.once.Do(func() { h.catalog, h.err = r.db.Catalog(ctx) })
	return h.catalog, h.err
}

// fromCatalog runs get on the request's catalog: the shape of most resolvers, which look up a related
// object or list by ID.
func fromCatalog[T any](ctx context.Context, r *Resolver, get func(*store.Catalog) T) (T, error) {
	c, err := r.catalog(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(c), nil
}

func (r *Resolver) source(ctx context.Context, id string) (*store.Source, error) {
	return fromCatalog(ctx, r, func(c *store.Catalog) *store.Source { return c.Source(id) })
}

func (r *Resolver) illustrative(ctx context.Context, sourceID string) (bool, error) {
	return fromCatalog(ctx, r, func(c *store.Catalog) bool { return c.Illustrative(sourceID) })
}

func (r *Resolver) municipality(ctx context.Context, code string) (*store.Municipality, error) {
	return fromCatalog(ctx, r, func(c *store.Catalog) *store.Municipality { return c.Municipality(code) })
}

// today is the date price lists are judged current on.
func today() store.Date { return store.Date(time.Now().Format(time.DateOnly)) }

// deref returns what p points at, or the zero value for nil: optional arguments mean "no restriction".
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
