package graph

import (
	"context"
	"sync"

	"github.com/jamforelse/api/graph/model"
	"github.com/jamforelse/api/store"
)

// Resolver holds what the resolvers depend on.
type Resolver struct {
	db *store.DB
}

// catalogKey marks the per-request catalog holder in a context.
type catalogKey struct{}

// catalogHolder loads the catalog at most once per request, so every resolver of one request sees the
// same version of the data, until a mutation of the request changes it.
type catalogHolder struct {
	mu      sync.Mutex
	catalog *store.Catalog
}

func withCatalogHolder(ctx context.Context) context.Context {
	c, _ := ctx.Value(loadedKey{}).(*store.Catalog)
	return context.WithValue(ctx, catalogKey{}, &catalogHolder{catalog: c})
}

// loadedKey marks a catalog that the HTTP layer has loaded for a request already.
type loadedKey struct{}

// WithCatalog hands the request a catalog loaded before it reached the GraphQL handler (to compute an
// ETag, say), so the request does not read the data version a second time.
func WithCatalog(ctx context.Context, c *store.Catalog) context.Context {
	return context.WithValue(ctx, loadedKey{}, c)
}

// catalog returns the request's catalog.
func (r *Resolver) catalog(ctx context.Context) (*store.Catalog, error) {
	h, _ := ctx.Value(catalogKey{}).(*catalogHolder)
	if h == nil { // outside a request (tests calling a resolver directly)
		return r.db.Catalog(ctx)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.catalog == nil {
		c, err := r.db.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		h.catalog = c
	}
	return h.catalog, nil
}

// wrote tells the request that a mutation changed the data: what it reads next comes from the new
// version.
func (r *Resolver) wrote(ctx context.Context) {
	if h, _ := ctx.Value(catalogKey{}).(*catalogHolder); h != nil {
		h.mu.Lock()
		h.catalog = nil
		h.mu.Unlock()
	}
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

// today is the date price lists and authorisations are judged current on.
func today() store.Date { return store.Today() }

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

// providerPayload answers a provider mutation with the provider as it now is.
func (r *Resolver) providerPayload(ctx context.Context, id string) (*model.ProviderPayload, error) {
	r.wrote(ctx)
	return fromCatalog(ctx, r, func(c *store.Catalog) *model.ProviderPayload { return &model.ProviderPayload{Provider: c.Provider(id)} })
}

// authorisationPayload answers an authorisation mutation with the authorisation as it now is.
func (r *Resolver) authorisationPayload(ctx context.Context, id string) (*model.AuthorisationPayload, error) {
	r.wrote(ctx)
	return fromCatalog(ctx, r, func(c *store.Catalog) *model.AuthorisationPayload {
		return &model.AuthorisationPayload{Authorisation: c.Authorisation(id)}
	})
}
