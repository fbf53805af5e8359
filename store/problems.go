package store

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a write's input: which row (counted from 1; 0 when the problem is
// not about one row), which field, and what is wrong, in words for the person who sent it.
type Problem struct {
	Row     int
	Field   string
	Message string
}

func (p Problem) String() string {
	switch {
	case p.Row > 0 && p.Field != "":
		return fmt.Sprintf("row %d, %s: %s", p.Row, p.Field, p.Message)
	case p.Row > 0:
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	case p.Field != "":
		return p.Field + ": " + p.Message
	}
	return p.Message
}

// ProblemsError refuses a write whole and lists every problem found in its input, so the sender can
// mend them all at once. Nothing was written.
type ProblemsError struct{ Problems []Problem }

func (e *ProblemsError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s), nothing was written: %s", len(e.Problems), strings.Join(lines, "; "))
}

// problems collects Problems.
type problems []Problem

func (ps *problems) add(row int, field, format string, args ...any) {
	*ps = append(*ps, Problem{Row: row, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ProblemsError{Problems: ps}
}

// checkBatch validates a batch of figures against the stored data before anything is written: every
// reference must exist, periods and statuses be valid, each figure pass FigureProblems, derived metrics
// not be stored, and no figure appear twice. It lists every problem, with its row and field.
func (c *Catalog) checkBatch(obs []*Observation) error {
	var ps problems
	first := map[string]int{} // observation ID → the row it first appeared in
	for i, o := range obs {
		row := i + 1
		m := c.Metric(o.MetricID)
		switch {
		case o.MetricID == "":
			ps.add(row, "metric", "missing")
		case m == nil:
			ps.add(row, "metric", "no metric has the ID %q", truncate(o.MetricID))
		case m.Formula != nil:
			ps.add(row, "metric", "%s is derived from other metrics and cannot be stored", m.ID)
		}
		if o.ProviderID != nil && c.Provider(*o.ProviderID) == nil {
			ps.add(row, "provider", "no provider has the ID %q", truncate(*o.ProviderID))
		}
		if c.Municipality(o.MunicipalityCode) == nil {
			ps.add(row, "municipality", "no municipality has the code %q", truncate(o.MunicipalityCode))
		}
		if err := validPeriod(o.Period); err != nil {
			ps.add(row, "period", "%v", err)
		}
		switch o.Status {
		case StatusFinal, StatusPreliminary, StatusRevised:
		default:
			ps.add(row, "status", "%q is not FINAL, PRELIMINARY or REVISED", truncate(string(o.Status)))
		}
		if c.Source(o.SourceID) == nil {
			ps.add(row, "source", "no source has the ID %q", truncate(o.SourceID))
		}
		for _, p := range FigureProblems(o, m) {
			ps.add(row, p.Field, "%s", p.Message)
		}
		id := o.ID()
		if earlier, ok := first[id]; ok {
			ps.add(row, "", "the same figure as row %d (%s)", earlier, id)
		} else {
			first[id] = row
		}
	}
	return ps.err()
}
