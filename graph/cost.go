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

// measure prices an operation before it runs, the way GitHub's API does: each field costs one for
// every object it could be asked of, and a list multiplies the cost of what is inside it by the page
// size asked for (or the default). Each fragment is measured once and reused, so a query whose
// fragments spread each other many times is measured in time proportional to its text, not to what
// it would expand to.
func measure(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) Cost {
	m := measurer{vars: vars, fragments: map[string]Cost{}}
	c := m.selections(op.SelectionSet)
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
	fragments map[string]Cost // measured at a multiplier of one
	visiting  map[string]bool
}

// selections measures a selection set as asked of one object.
func (m *measurer) selections(set ast.SelectionSet) Cost {
	var total Cost
	for _, sel := range set {
		var c Cost
		switch sel := sel.(type) {
		case *ast.Field:
			inner := m.selections(sel.SelectionSet)
			c = Cost{
				Cost:   add(1, mul(m.factor(sel), inner.Cost)),
				Depth:  add(1, inner.Depth),
				Fields: add(1, inner.Fields),
			}
		case *ast.InlineFragment:
			c = m.selections(sel.SelectionSet)
		case *ast.FragmentSpread:
			c = m.fragment(sel)
		}
		total.Cost = add(total.Cost, c.Cost)
		total.Fields = add(total.Fields, c.Fields)
		total.Depth = max(total.Depth, c.Depth)
	}
	return total
}

func (m *measurer) fragment(spread *ast.FragmentSpread) Cost {
	if c, ok := m.fragments[spread.Name]; ok {
		return c
	}
	if spread.Definition == nil || m.visiting[spread.Name] { // validation refuses cycles; stay safe anyway
		return Cost{}
	}
	if m.visiting == nil {
		m.visiting = map[string]bool{}
	}
	m.visiting[spread.Name] = true
	c := m.selections(spread.Definition.SelectionSet)
	delete(m.visiting, spread.Name)
	m.fragments[spread.Name] = c
	return c
}

// factor is how many objects a field's selections are asked of, per object the field is asked of.
func (m *measurer) factor(f *ast.Field) int {
	if f.Definition == nil || f.Definition.Type.Elem == nil && !strings.HasSuffix(f.Definition.Type.Name(), "Connection") {
		return 1 // a single object
	}
	args := f.ArgumentMap(m.vars)
	if size, ok := pageSizes[f.Name]; ok {
		for _, arg := range []string{"first", "last"} {
			if n, ok := whole(args[arg]); ok && n >= 0 {
				size = min(n, saturated)
			}
		}
		return max(size, 1)
	}
	if f.Name == "nodes" && f.ObjectDefinition != nil && f.ObjectDefinition.Name == "Query" {
		if ids, ok := args["ids"].([]any); ok {
			return max(len(ids), 1)
		}
	}
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	// A connection's page was priced on the connection; the schema's own description is fixed in size.
	if strings.HasSuffix(parent, "Connection") || strings.HasPrefix(parent, "__") {
		return 1
	}
	return otherLists
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
