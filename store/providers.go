package store

import (
	"slices"
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

// swedish orders names as a Swedish reader expects: å, ä, ö after z, and case ignored.
var swedish = collate.New(language.Swedish, collate.IgnoreCase)

// Providers returns one page of the providers matching f in the order o. Providers live in the
// catalog, so this runs no SQL; names sort by Swedish rules, which SQLite's own collation cannot do.
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
	keys := func(p *Provider) []string {
		if o.Field == ProviderOrderID {
			return []string{p.ID}
		}
		return []string{p.Name, p.ID}
	}
	compare := func(a, b []string) int {
		for i := range a {
			if i >= len(b) {
				return 1
			}
			var c int
			if i == 0 && o.Field == ProviderOrderName {
				c = swedish.CompareString(a[i], b[i])
			}
			if c == 0 {
				c = strings.Compare(a[i], b[i])
			}
			if c != 0 {
				if o.Direction == Desc {
					return -c
				}
				return c
			}
		}
		return len(a) - len(b)
	}
	var matching []*Provider
	for _, p := range c.providers {
		if c.providerMatches(p, f) {
			matching = append(matching, p)
		}
	}
	slices.SortStableFunc(matching, func(a, b *Provider) int { return compare(keys(a), keys(b)) })

	// Cut the list to the cursors, then take the page from the right end.
	lo, hi := 0, len(matching)
	if w.after != nil {
		lo, _ = slices.BinarySearchFunc(matching, w.after.keys, func(p *Provider, k []string) int {
			if compare(keys(p), k) <= 0 {
				return -1
			}
			return 1
		})
	}
	if w.before != nil {
		hi, _ = slices.BinarySearchFunc(matching, w.before.keys, func(p *Provider, k []string) int { return compare(keys(p), k) })
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

func (c *Catalog) providerMatches(p *Provider, f ProviderFilter) bool {
	if len(f.OperatingForms) > 0 && !slices.Contains(f.OperatingForms, p.OperatingForm) {
		return false
	}
	if f.Municipality != nil && p.MunicipalityCode != *f.Municipality {
		return false
	}
	if f.NameContains != nil && !containsFold(p.Name, *f.NameContains) {
		return false
	}
	if f.ServiceArea == nil && f.AuthorisationStatus == nil {
		return true
	}
	return slices.ContainsFunc(c.authsByProvider[p.ID], func(a *Authorisation) bool {
		if f.AuthorisationStatus != nil && a.Status != *f.AuthorisationStatus {
			return false
		}
		s := c.Scheme(a.SchemeID)
		return f.ServiceArea == nil || (s != nil && s.ServiceAreaID == *f.ServiceArea)
	})
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
