package graph

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/jamforelse/api/store"
)

// The comparison's cells are most of what the dashboard reads: 2,000 providers × 6 metrics is 12,000
// cells of ten fields each. gqlgen executes every field with a field context, a context value and a
// marshaler of its own, and every cell in a goroutine of its own, which made the GraphQL answer take 2.6
// times as long as building the same answer by hand (BENCHMARKS.md). Cells hold only figures, so when a
// query asks for their figures, and of their metric only the ID, writeCells writes them directly,
// as gqlgen would; any other selection (the metric's name, the observation, @defer) and any cell
// gqlgen would answer with an error go through gqlgen's executor as usual.

// cellField is one field a query selects on a cell, or on the cell's metric, under its response key.
type cellField struct {
	key    []byte      // the alias, or the field's name, quoted and followed by a colon
	name   string      // the schema field
	metric []cellField // what is asked of the metric, when name is "metric"
}

// writeCellsDirectly is a field middleware: for ComparisonRow.cells it answers with writeCells when it
// can; every other field passes through.
func writeCellsDirectly(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc.Object != "ComparisonRow" || fc.Field.Name != "cells" {
		return next(ctx)
	}
	res, err := next(ctx)
	cells, ok := res.([]*store.ComparisonCell)
	if err != nil || !ok {
		return res, err
	}
	fields, ok := ctx.Value(cellSelectionsKey{}).(*cellSelections).of(graphql.GetOperationContext(ctx), fc.Field)
	if !ok || !complete(cells, fields) {
		return res, err
	}
	return writeCells(cells, fields), nil
}

// cellSelectionsKey marks a request's cellSelections in its context.
type cellSelectionsKey struct{}

// cellSelections keep, for one request, the fields each selection of cells asks for: the same for
// each of a comparison's 2,000 rows, collected once instead of once a row (a tenth of what a large
// comparison allocated).
type cellSelections struct {
	mu     sync.Mutex
	fields map[*ast.Field]collectedCells
}

type collectedCells struct {
	fields []cellField
	ok     bool
}

func withCellSelections(ctx context.Context) context.Context {
	return context.WithValue(ctx, cellSelectionsKey{}, &cellSelections{fields: map[*ast.Field]collectedCells{}})
}

// of is collectCellFields for field's selection, collected at its first row.
func (s *cellSelections) of(oc *graphql.OperationContext, field graphql.CollectedField) ([]cellField, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.fields[field.Field]
	if !found {
		c.fields, c.ok = collectCellFields(oc, field.Selections, comparisonCellImplementors, true)
		s.fields[field.Field] = c
	}
	return c.fields, c.ok
}

// collectCellFields lists the fields a selection asks for, merged as gqlgen merges them (fragments,
// @skip, @include, repeated fields), and says whether writeCells can answer all of them. On the
// cell's metric it can answer only id and __typename. The implementors, which say which fragments
// apply, are the generated code's own.
func collectCellFields(oc *graphql.OperationContext, sel ast.SelectionSet, satisfies []string, onCell bool) ([]cellField, bool) {
	collected := graphql.CollectFields(oc, sel, satisfies)
	fields := make([]cellField, 0, len(collected))
	for _, f := range collected {
		if len(f.Deferrables) > 0 {
			return nil, false
		}
		var key bytes.Buffer
		graphql.MarshalString(f.Alias).MarshalGQL(&key)
		key.WriteByte(':')
		field := cellField{key: key.Bytes(), name: f.Name}
		switch {
		case f.Name == "__typename":
		case !onCell && f.Name == "id":
		case onCell && f.Name == "metric":
			metric, ok := collectCellFields(oc, f.Selections, metricImplementors, false)
			if !ok {
				return nil, false
			}
			field.metric = metric
		case onCell && cellFigures[f.Name]:
		default:
			return nil, false
		}
		fields = append(fields, field)
	}
	return fields, true
}

// cellFigures are the cell's own fields, each a plain value of store.ComparisonCell.
var cellFigures = map[string]bool{"value": true, "valueWomen": true, "valueMen": true, "sampleSize": true,
	"suppressed": true, "suppressionReason": true, "rank": true, "rankOf": true, "illustrative": true}

// complete says whether every cell has what the query asks for: a cell without its metric would be an
// error, which gqlgen reports.
func complete(cells []*store.ComparisonCell, fields []cellField) bool {
	asksForMetric := slices.ContainsFunc(fields, func(f cellField) bool { return f.name == "metric" })
	for _, c := range cells {
		if c == nil || asksForMetric && c.Metric == nil {
			return false
		}
	}
	return true
}

// cellBuffers keep the buffers a row's cells are written in: grown anew for each of 2,000 rows, they
// were a third of what a large comparison allocated.
var cellBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeCells writes the cells as gqlgen writes a list of objects: the fields in the order collected,
// each under its response key, floats in plain decimal notation (MarshalFloat).
func writeCells(cells []*store.ComparisonCell, fields []cellField) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		b := cellBuffers.Get().(*bytes.Buffer)
		defer cellBuffers.Put(b)
		b.Reset()
		b.WriteByte('[')
		for i, c := range cells {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			for j, f := range fields {
				if j > 0 {
					b.WriteByte(',')
				}
				b.Write(f.key)
				writeCellField(b, c, f)
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
		w.Write(b.Bytes())
	})
}

func writeCellField(b *bytes.Buffer, c *store.ComparisonCell, f cellField) {
	switch f.name {
	case "__typename":
		graphql.MarshalString("ComparisonCell").MarshalGQL(b)
	case "metric":
		b.WriteByte('{')
		for j, m := range f.metric {
			if j > 0 {
				b.WriteByte(',')
			}
			b.Write(m.key)
			if m.name == "id" {
				graphql.MarshalID(c.Metric.ID).MarshalGQL(b)
			} else {
				graphql.MarshalString("Metric").MarshalGQL(b)
			}
		}
		b.WriteByte('}')
	case "value":
		writeFloat(b, c.Value)
	case "valueWomen":
		writeFloat(b, c.ValueWomen)
	case "valueMen":
		writeFloat(b, c.ValueMen)
	case "sampleSize":
		writeInt(b, c.SampleSize)
	case "suppressed":
		b.WriteString(strconv.FormatBool(c.Suppressed))
	case "suppressionReason":
		if c.SuppressionReason == nil {
			b.WriteString("null")
		} else {
			graphql.MarshalString(string(*c.SuppressionReason)).MarshalGQL(b)
		}
	case "rank":
		writeInt(b, c.Rank)
	case "rankOf":
		writeInt(b, c.RankOf)
	case "illustrative":
		b.WriteString(strconv.FormatBool(c.Illustrative))
	}
}

func writeFloat(b *bytes.Buffer, f *float64) {
	if f == nil {
		b.WriteString("null")
		return
	}
	b.Write(appendFloat(b.AvailableBuffer(), *f))
}

func writeInt(b *bytes.Buffer, i *int) {
	if i == nil {
		b.WriteString("null")
		return
	}
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(*i), 10))
}
