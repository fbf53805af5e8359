package graph

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// gqlgen executes every field of an answer with a field context, a context value, closures and a
// marshaler of its own, and every element of a list in a goroutine of its own: about a microsecond and
// ten allocations a field, most of what a sync page of 1,000 observations or a comparison of 2,000
// providers cost (BENCHMARKS.md). Most objects the dashboard reads are plain values, their fields
// bound to the store's fields and methods. So when a query asks only for plain fields of a field's
// value, down to its scalars, writeDirectly writes the value at once, with the functions the plugin
// graph/codegen/plainwrite generates for each object type (direct_gen.go): the same bytes, in the same
// order, through gqlgen's own marshalers. Any other selection (a resolver, arguments, @defer), and any
// value gqlgen would answer with an error, goes through gqlgen as usual.

// plainType is an object type directWriter can write: the implementors that say which fragments apply,
// and its plain fields, each with the object type it returns ("" for a scalar or an enum).
type plainType struct {
	implementors []string
	fields       map[string]string
}

// plainField is one field a query selects, under its response key, and what it selects of an object.
type plainField struct {
	key    []byte // the response key quoted, and a colon
	name   string
	fields []plainField
}

// directWriter writes one field's value; the generated write functions are its methods.
type directWriter struct {
	ctx     context.Context
	ec      *executionContext // for gqlgen's marshalers of scalars and enums, which use none of its state
	b       *bytes.Buffer
	sources []string // of every object written (see noteSources)
}

// written keeps the sources of an object as it is written, as fieldMiddleware does for gqlgen's fields.
func (w *directWriter) written(obj any) {
	if id, ok := sourceOf(obj); ok {
		w.sources = append(w.sources, id)
	} else {
		w.sources = append(w.sources, sourcesOfWholes(obj)...)
	}
}

// directBuffers keep the buffers values are written in: a comparison of 2,000 providers is 2.3 MB.
var directBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeDirectly writes the value a field resolved to, res, when the query asks only for plain fields
// of it, and says whether it did.
func writeDirectly(ctx context.Context, res any) (graphql.Marshaler, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return nil, false
	}
	t := fc.Field.Definition.Type
	if _, ok := plainTypes[t.Name()]; !ok {
		return nil, false
	}
	plans, _ := ctx.Value(plansKey{}).(*plans)
	oc := graphql.GetOperationContext(ctx)
	fields, ok := plans.of(oc, fc.Field.Selections, t.Name())
	if !ok {
		return nil, false
	}
	w := directWriter{ctx: ctx, ec: newExecutionContext(oc, nil, nil), b: directBuffers.Get().(*bytes.Buffer)}
	w.b.Reset()
	if !w.write(t, fields, res) {
		directBuffers.Put(w.b)
		return nil, false
	}
	if s, _ := ctx.Value(sourcesKey{}).(*requestSources); s != nil && len(w.sources) > 0 {
		s.add(w.sources...)
	}
	b := w.b
	return graphql.WriterFunc(func(out io.Writer) {
		if b == nil {
			return // written once already: the buffer may be another request's by now
		}
		out.Write(b.Bytes())
		directBuffers.Put(b)
		b = nil
	}), true
}

// write is writeValue, and false on a panic: gqlgen then runs the value again field by field, and reports
// the panic on the field it comes from.
func (w *directWriter) write(t *ast.Type, fields []plainField, v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return w.writeValue(t, fields, v)
}

// plansKey marks a request's plans in its context.
type plansKey struct{}

// plans keep, for one request, the fields each selection asks for: a selection under a list is the
// same for every element (2,000 rows of a comparison), so it is collected once.
type plans struct {
	mu    sync.Mutex
	plans map[planKey]plan
}

// planKey is a selection by its first element and length, and the type it is read on; the plan keeps
// the selection, so that no other can take its place in memory.
type planKey struct {
	first *ast.Selection
	n     int
	typ   string
}

type plan struct {
	sel    ast.SelectionSet
	fields []plainField
	ok     bool
}

func withPlans(ctx context.Context) context.Context {
	return context.WithValue(ctx, plansKey{}, &plans{plans: map[planKey]plan{}})
}

// of is collectPlainFields of sel on type typ, collected once a request.
func (p *plans) of(oc *graphql.OperationContext, sel ast.SelectionSet, typ string) ([]plainField, bool) {
	if len(sel) == 0 {
		return nil, false
	}
	if p == nil {
		return collectPlainFields(oc, sel, typ)
	}
	key := planKey{&sel[0], len(sel), typ}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, found := p.plans[key]
	if !found {
		c = plan{sel: sel}
		c.fields, c.ok = collectPlainFields(oc, sel, typ)
		p.plans[key] = c
	}
	return c.fields, c.ok
}

// collectPlainFields lists the fields a selection on an object type asks for, merged as gqlgen merges
// them (fragments, @skip, @include, repeated fields), and says whether all are plain, down to their
// scalars.
func collectPlainFields(oc *graphql.OperationContext, sel ast.SelectionSet, typ string) ([]plainField, bool) {
	t := plainTypes[typ]
	collected := graphql.CollectFields(oc, sel, t.implementors)
	fields := make([]plainField, 0, len(collected))
	for _, f := range collected {
		if len(f.Deferrables) > 0 {
			return nil, false
		}
		var key bytes.Buffer
		graphql.MarshalString(f.Alias).MarshalGQL(&key)
		key.WriteByte(':')
		field := plainField{key: key.Bytes(), name: f.Name}
		if f.Name != "__typename" {
			returns, ok := t.fields[f.Name]
			if !ok {
				return nil, false
			}
			if returns != "" {
				if field.fields, ok = collectPlainFields(oc, f.Selections, returns); !ok {
					return nil, false
				}
			}
		}
		fields = append(fields, field)
	}
	return fields, true
}
