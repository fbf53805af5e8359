package store

import (
	"encoding/hex"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// ProviderFilter selects providers. Zero fields match every provider.
type ProviderFilter struct {
	ServiceArea         *string
	OperatingForms      []OperatingForm
	Municipality        *string
	AuthorisationStatus *AuthorisationStatus
	NameContains        *string
}

// ProviderOrder is the order of a provider list.
type ProviderOrder struct {
	Field     ProviderOrderField
	Direction OrderDirection
}

// ProviderOrderField is what a provider list is ordered by.
type ProviderOrderField string

const (
	ProviderOrderName ProviderOrderField = "NAME"
	ProviderOrderID   ProviderOrderField = "ID"
)

// Provider pages hold 20 providers unless asked otherwise, and at most 100.
const (
	DefaultProviderPage = 20
	MaxProviderPage     = 100
)

// ProviderPage is one page of a provider list.
type ProviderPage struct {
	Edges      []ProviderEdge
	PageInfo   PageInfo
	TotalCount int
}

// ProviderEdge is a provider with its cursor.
type ProviderEdge struct {
	Cursor string
	Node   *Provider
}

// Nodes returns the page's providers.
func (p *ProviderPage) Nodes() []*Provider {
	nodes := make([]*Provider, len(p.Edges))
	for i, e := range p.Edges {
		nodes[i] = e.Node
	}
	return nodes
}

// sortKeys returns, for each provider, a key that orders names as a Swedish reader expects: å, ä, ö
// after z, and case ignored. SQLite's own collation cannot do this. Keys are made once per catalog,
// with a collator of its own, since a collator may not be shared between goroutines.
func sortKeys(providers []*Provider) map[string]string {
	swedish := collate.New(language.Swedish, collate.IgnoreCase)
	var buf collate.Buffer
	keys := make(map[string]string, len(providers))
	for _, p := range providers {
		keys[p.ID] = string(swedish.KeyFromString(&buf, p.Name))
		buf.Reset()
	}
	return keys
}

// Providers returns one page of the providers matching f in the order o. Providers live in the
// catalog, sorted once when it loads, so this runs no SQL and sorts nothing.
func (c *Catalog) Providers(f ProviderFilter, o ProviderOrder, args PageArgs) (*ProviderPage, error) {
	if o.Field == "" {
		o = ProviderOrder{Field: ProviderOrderName, Direction: Asc}
	}
	order := string(o.Field) + " " + string(o.Direction)
	w, err := checkPage(args, order, DefaultProviderPage, MaxProviderPage)
	if err != nil {
		return nil, err
	}
	if err := c.checkProviderFilter(f); err != nil {
		return nil, err
	}
	sorted := c.providers // by name
	if o.Field == ProviderOrderID {
		sorted = c.providersByID
	}
	keys := func(p *Provider) []string {
		if o.Field == ProviderOrderID {
			return []string{p.ID}
		}
		return []string{hex.EncodeToString([]byte(c.nameKeys[p.ID])), p.ID}
	}
	var matching []*Provider
	today := Today()
	for _, p := range sorted {
		if c.providerMatches(p, f, today) {
			matching = append(matching, p)
		}
	}
	if o.Direction == Desc {
		slices.Reverse(matching)
	}
	// Keys compare as strings in the list's order (hex keeps a name key's byte order).
	before := func(a, b []string) bool {
		if o.Direction == Desc {
			return slices.Compare(a, b) > 0
		}
		return slices.Compare(a, b) < 0
	}

	// Cut the list to the cursors, then take the page from the right end.
	lo, hi := 0, len(matching)
	if w.after != nil {
		lo = sort.Search(len(matching), func(i int) bool { return before(w.after.keys, keys(matching[i])) })
	}
	if w.before != nil {
		hi = sort.Search(len(matching), func(i int) bool { return !before(keys(matching[i]), w.before.keys) })
	}
	span := matching[lo:max(lo, hi)]
	fetched := len(span)
	if w.fromEnd {
		span = span[max(0, len(span)-w.limit):]
	} else {
		span = span[:min(len(span), w.limit)]
	}
	page := &ProviderPage{TotalCount: len(matching)}
	for _, p := range span {
		page.Edges = append(page.Edges, ProviderEdge{Cursor: cursor{order: order, keys: keys(p)}.String(), Node: p})
	}
	var first, last string
	if len(page.Edges) > 0 {
		first, last = page.Edges[0].Cursor, page.Edges[len(page.Edges)-1].Cursor
	}
	page.PageInfo = w.pageInfo(fetched, first, last)
	return page, nil
}

func (c *Catalog) checkProviderFilter(f ProviderFilter) error {
	if f.ServiceArea != nil {
		if err := ParseIDOf("ServiceArea", *f.ServiceArea); err != nil {
			return err
		}
	}
	return nil
}

// providerMatches says whether p passes f, its authorisations' status judged on today.
func (c *Catalog) providerMatches(p *Provider, f ProviderFilter, today Date) bool {
	if len(f.OperatingForms) > 0 && !slices.Contains(f.OperatingForms, p.OperatingForm) {
		return false
	}
	if f.Municipality != nil && p.MunicipalityCode != *f.Municipality {
		return false
	}
	if f.NameContains != nil && !containsFold(p.Name, *f.NameContains) {
		return false
	}
	switch {
	case f.AuthorisationStatus == nil && f.ServiceArea == nil:
		return true
	case f.AuthorisationStatus == nil: // the dashboard's list: one map read, not each authorisation's scheme
		return c.providersIn[*f.ServiceArea][p.ID]
	}
	return slices.ContainsFunc(c.authsByProvider[p.ID], func(a *Authorisation) bool {
		if f.AuthorisationStatus != nil && a.StatusOn(today) != *f.AuthorisationStatus {
			return false
		}
		s := c.Scheme(a.SchemeID)
		return f.ServiceArea == nil || (s != nil && s.ServiceAreaID == *f.ServiceArea)
	})
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
