package graph

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/jamforelse/api/store"
)

// An answer that contains anything invented says so at its top level, whatever the query selected: a
// query for only a comparison's means, or only the values of some figures, still gets
//
//	"extensions": {"illustrative": true, "sources": [{"id": "Source:illustrative-results", "title": …}]}
//
// Every object a field resolves to is looked at as it passes (noteSources), its sources are kept for the
// request, and the answer is marked once it is built (markIllustrative). The mark is part of the answer,
// so the answer cache keeps it too.

// sourcesKey marks the request's sources in a context.
type sourcesKey struct{}

// requestSources are the sources of everything a request's answer holds.
type requestSources struct {
	mu  sync.Mutex
	ids map[string]bool
}

func withSources(ctx context.Context) context.Context {
	return context.WithValue(ctx, sourcesKey{}, &requestSources{ids: map[string]bool{}})
}

func (s *requestSources) add(ids ...string) {
	s.mu.Lock()
	for _, id := range ids {
		s.ids[id] = true
	}
	s.mu.Unlock()
}

// noteSources keeps the sources of the figures and objects a field returned (see fieldMiddleware).
func noteSources(ctx context.Context, res any) {
	id, one := sourceOf(res) // most fields are plain values, with none
	var ids []string
	if !one {
		if ids = sourcesOfWholes(res); len(ids) == 0 {
			return
		}
	}
	s, _ := ctx.Value(sourcesKey{}).(*requestSources)
	switch {
	case s == nil:
	case one:
		s.add(id)
	default:
		s.add(ids...)
	}
}

// sourceOf is the source of an object that states facts, without the slice sourcesOf would allocate:
// an answer's every observation, provider and metric passes here.
func sourceOf(v any) (string, bool) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return "", false // an optional object that is not there
	}
	switch v := v.(type) {
	case *store.Observation:
		return v.SourceID, true
	case *store.Revision:
		return v.SourceID, true
	case *store.Provider:
		return v.SourceID, true
	case *store.Authorisation:
		return v.SourceID, true
	case *store.PriceList:
		return v.SourceID, true
	case *store.Metric:
		return v.SourceID, true
	case *store.Scheme:
		return v.SourceID, true
	case *store.Municipality:
		return v.SourceID, true
	}
	return "", false
}

// sourcesOf lists the sources of a resolved value: an object that states facts, a list of them, a page,
// or a computed whole (a comparison, a time series) by the sources of every figure in it.
func sourcesOf(v any) []string {
	if id, ok := sourceOf(v); ok {
		return []string{id}
	}
	return sourcesOfWholes(v)
}

// sourcesOfWholes lists the sources of a list, a page or a computed whole.
func sourcesOfWholes(v any) []string {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil
	}
	switch v := v.(type) {
	case []*store.Observation:
		return each(v, func(o *store.Observation) string { return o.SourceID })
	case []*store.Revision:
		return each(v, func(r *store.Revision) string { return r.SourceID })
	case []*store.Provider:
		return each(v, func(p *store.Provider) string { return p.SourceID })
	case []*store.Authorisation:
		return each(v, func(a *store.Authorisation) string { return a.SourceID })
	case []*store.PriceList:
		return each(v, func(l *store.PriceList) string { return l.SourceID })
	case *store.ObservationPage:
		return each(v.Edges, func(e store.ObservationEdge) string { return e.Node.SourceID })
	case *store.ProviderPage:
		return each(v.Edges, func(e store.ProviderEdge) string { return e.Node.SourceID })
	case *store.Comparison:
		return v.SourceIDs()
	case *store.Series:
		return slices.Concat(sourcesOf(v.Points), sourcesOf(v.Municipality), sourcesOf(v.Country))
	}
	return nil
}

func each[T any](xs []T, source func(T) string) []string {
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = source(x)
	}
	return ids
}

// markIllustrative is a response middleware: an answer that holds anything from an illustrative source
// gets extensions.illustrative and those sources, in a fixed order.
func markIllustrative(db *store.DB) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		s, _ := ctx.Value(sourcesKey{}).(*requestSources)
		if resp == nil || s == nil {
			return resp
		}
		c, err := (&Resolver{db: db}).catalog(ctx)
		if err != nil {
			return resp
		}
		s.mu.Lock()
		var illustrative []map[string]string
		for _, id := range slices.Sorted(maps.Keys(s.ids)) {
			if src := c.Source(id); src != nil && src.Illustrative {
				illustrative = append(illustrative, map[string]string{"id": src.ID, "title": src.Title})
			}
		}
		s.mu.Unlock()
		if len(illustrative) > 0 {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["illustrative"] = true
			resp.Extensions["sources"] = illustrative
		}
		return resp
	}
}
