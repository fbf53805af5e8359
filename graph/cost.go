package graph

import (
	"encoding/json"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Limits bound the work one request may ask for. They are checked after the query is parsed and
// validated and before anything runs (see pricing).
type Limits struct {
	MaxCost    int // the estimated number of objects the query could return (see measure)
	MaxDepth   int // how deeply fields may nest
	MaxFields  int // how many fields, counting each fragment every time it is used
	MaxAliases int // how many aliased fields the document may have
}

// DefaultLimits leave room for every dashboard operation and for GraphiQL's introspection query.
var DefaultLimits = Limits{MaxCost: 25_000, MaxDepth: 15, MaxFields: 2_000, MaxAliases: 50}

// Cost is what measure found out about a query.
type Cost struct {
	Cost, Depth, Fields, Aliases int
}

// saturated keeps counts of absurd queries from overflowing: anything this large is refused anyway.
const saturated = 1 << 40

func add(a, b int) int { return min(a+b, saturated) }
func mul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturated/b {
		return saturated
	}
	return a * b
}

// pageSizes are the lists whose length a caller chooses, with the size of a page when they do not.
var pageSizes = map[string]int{
	"providers": 20, "observations": 100, "results": 100, "deletions": 100, "auditLog": 100, "search": 10,
}

// otherLists is the length assumed for a list whose length the caller does not choose (the service
// areas, a provider's authorisations, a comparison's rows): most are short, and the guess keeps
// nested lists from going unpriced.
const otherLists = 10

// measure prices an operation before it runs by the objects it could return, the way GitHub's API
// counts nodes: every object a list or a page could hold costs one, times the objects around it, so
// a page of 1,000 observations costs 1,000 however many of their fields it selects; scalars,
// __typename and single objects (an observation's metric, a page's pageInfo) cost nothing, and every
// operation costs at least one. Depth and the number of fields bound what the free parts can ask for.
// Each fragment is measured once and reused, so a query whose fragments spread each other many times
// is measured in time proportional to its text, not to what it would expand to.
func measure(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) Cost {
	m := measurer{vars: vars, fragments: map[fragmentKey]Cost{}}
	c := m.selections(op.SelectionSet, 0)
	c.Cost = add(c.Cost, 1)
	for _, f := range doc.Fragments {
		c.Aliases = add(c.Aliases, countAliases(f.SelectionSet))
	}
	for _, o := range doc.Operations {
		c.Aliases = add(c.Aliases, countAliases(o.SelectionSet))
	}
	return c
}

type measurer struct {
	vars      map[string]any
	fragments map[fragmentKey]Cost
	visiting  map[string]bool
}

// fragmentKey is a fragment as measured inside a page of a given size (0 outside connections).
type fragmentKey struct {
	name string
	page int
}

// selections measures a selection set as asked of one object; page is the page size when the object
// is a connection, whose edges and nodes hold that many objects.
func (m *measurer) selections(set ast.SelectionSet, page int) Cost {
	var total Cost
	for _, sel := range set {
		var c Cost
		switch sel := sel.(type) {
		case *ast.Field:
			c = m.field(sel, page)
		case *ast.InlineFragment:
			c = m.selections(sel.SelectionSet, page)
		case *ast.FragmentSpread:
			c = m.fragment(sel, page)
		}
		total.Cost = add(total.Cost, c.Cost)
		total.Fields = add(total.Fields, c.Fields)
		total.Depth = max(total.Depth, c.Depth)
	}
	return total
}

// field measures one field asked of one object: the objects it could return, each with what is asked
// of it.
func (m *measurer) field(f *ast.Field, page int) Cost {
	objects, counted, innerPage := m.objects(f, page)
	inner := m.selections(f.SelectionSet, innerPage)
	each := inner.Cost
	if counted {
		each = add(each, 1)
	}
	return Cost{Cost: mul(objects, each), Depth: add(1, inner.Depth), Fields: add(1, inner.Fields)}
}

func (m *measurer) fragment(spread *ast.FragmentSpread, page int) Cost {
	key := fragmentKey{spread.Name, page}
	if c, ok := m.fragments[key]; ok {
		return c
	}
	if spread.Definition == nil || m.visiting[spread.Name] { // validation refuses cycles; stay safe anyway
		return Cost{}
	}
	if m.visiting == nil {
		m.visiting = map[string]bool{}
	}
	m.visiting[spread.Name] = true
	c := m.selections(spread.Definition.SelectionSet, page)
	delete(m.visiting, spread.Name)
	m.fragments[key] = c
	return c
}

// objects says how many objects a field returns per object it is asked of, whether each is counted
// (the elements of lists and pages are; a single object is not), and, for a connection, its page size.
func (m *measurer) objects(f *ast.Field, page int) (objects int, counted bool, innerPage int) {
	if f.Definition == nil || len(f.SelectionSet) == 0 {
		return 0, false, 0 // a scalar, or __typename
	}
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	switch {
	case strings.HasSuffix(parent, "Connection") && (f.Name == "edges" || f.Name == "nodes"):
		return max(page, 1), true, 0
	case strings.HasSuffix(f.Definition.Type.Name(), "Connection"):
		return 1, false, m.pageSize(f)
	case f.Definition.Type.Elem == nil:
		return 1, false, 0
	case strings.HasPrefix(parent, "__"): // the schema's own description, fixed in size
		return 1, true, 0
	case f.Name == "nodes" && parent == "Query":
		if ids, ok := f.ArgumentMap(m.vars)["ids"].([]any); ok {
			return max(len(ids), 1), true, 0
		}
	case pageSizes[f.Name] > 0: // a plain list with a length argument, such as search(first:)
		return m.pageSize(f), true, 0
	}
	return otherLists, true, 0
}

// pageSize is the number of objects a page or a list with a length argument asks for: first or last,
// or its default.
func (m *measurer) pageSize(f *ast.Field) int {
	size := pageSizes[f.Name]
	if size == 0 {
		size = otherLists
	}
	args := f.ArgumentMap(m.vars)
	for _, arg := range []string{"first", "last"} {
		if n, ok := whole(args[arg]); ok && n >= 0 {
			size = min(n, saturated)
		}
	}
	return max(size, 1)
}

func countAliases(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Alias != "" && sel.Alias != sel.Name {
				n++
			}
			n = add(n, countAliases(sel.SelectionSet))
		case *ast.InlineFragment:
			n = add(n, countAliases(sel.SelectionSet))
		}
	}
	return n
}

// whole reads an integer argument, however the JSON decoder or the parser gave it.
func whole(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(min(n, saturated)), true
	case float64:
		return int(min(n, saturated)), true
	case json.Number:
		i, err := n.Int64()
		return int(min(i, saturated)), err == nil
	}
	return 0, false
}
