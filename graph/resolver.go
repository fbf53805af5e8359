package graph

import (
	"context"

	"github.com/jamforelse/api/graph/model"
	"github.com/jamforelse/api/store"
)

// Resolver holds what the resolvers depend on.
type Resolver struct {
	db        *store.DB
	publicURL string // where readers reach the service, for the downloads' URLs
}

// catalog returns the catalog the request reads: in a request's read snapshot (store.DB.BeginRead),
// the one of the snapshot's data version, so every resolver of a query sees the same data.
func (r *Resolver) catalog(ctx context.Context) (*store.Catalog, error) {
	return r.db.Catalog(ctx)
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

// Today is the date price lists and authorisations are judged current on: answers that hold one
// depend on it.
func Today() store.Date { return store.Today() }

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
	return fromCatalog(ctx, r, func(c *store.Catalog) *model.ProviderPayload { return &model.ProviderPayload{Provider: c.Provider(id)} })
}

// authorisationPayload answers an authorisation mutation with the authorisation as it now is.
func (r *Resolver) authorisationPayload(ctx context.Context, id string) (*model.AuthorisationPayload, error) {
	return fromCatalog(ctx, r, func(c *store.Catalog) *model.AuthorisationPayload {
		return &model.AuthorisationPayload{Authorisation: c.Authorisation(id)}
	})
}
