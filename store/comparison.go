package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// ComparisonArgs say what to compare: one service area in one municipality and period.
type ComparisonArgs struct {
	ServiceArea    string
	Period         string
	Metrics        []string // nil: the area's headline metrics
	OperatingForms []OperatingForm
	Municipality   string
}

// Comparison is every provider of a service area side by side for one period.
type Comparison struct {
	ServiceArea  *ServiceArea
	Municipality *Municipality
	Period       string
	PeriodStart  Date
	PeriodEnd    Date
	Metrics      []*Metric
	Rows         []*ComparisonRow
	Summaries    []*ComparisonSummary
	References   []*ComparisonReference

	ContainsIllustrativeData bool
	sources                  map[string]bool // of every figure in it
}

// SourceIDs lists the sources of every figure in the comparison, cells and references, in order.
func (c *Comparison) SourceIDs() []string { return slices.Sorted(maps.Keys(c.sources)) }

// ComparisonRow is one provider's row.
type ComparisonRow struct {
	Provider *Provider
	Cells    []*ComparisonCell
}

// ComparisonCell is one provider's figure for one metric, with its rank among the providers.
type ComparisonCell struct {
	Metric      *Metric
	Observation *Observation
	Value       *float64
	ValueWomen  *float64
	ValueMen    *float64
	SampleSize  *int
	Suppressed  bool
	// SuppressionReason says why a suppressed cell is withheld.
	SuppressionReason *SuppressionReason
	Rank              *int
	RankOf            *int
	Illustrative      bool
}

// ComparisonSummary summarises one metric over a group of providers: one operating form, or all
// (OperatingForm nil).
type ComparisonSummary struct {
	OperatingForm *OperatingForm
	Metric        *Metric
	Summary
}

// ReferenceScope says whose figure a reference is.
type ReferenceScope string

const (
	ScopeMunicipality ReferenceScope = "MUNICIPALITY"
	ScopeCountry      ReferenceScope = "COUNTRY"
)

// ComparisonReference is the whole municipality's or the whole country's figure for a metric.
type ComparisonReference struct {
	Metric       *Metric
	Scope        ReferenceScope
	Municipality *Municipality
	Observation  *Observation
	Source       *Source
}

// Value is the reference figure, or nil when suppressed.
func (r *ComparisonReference) Value() *float64 { return r.Observation.Value }

// Suppressed reports whether the reference figure is withheld.
func (r *ComparisonReference) Suppressed() bool { return r.Observation.Suppressed }

// SuppressionReason says why the reference figure is withheld.
func (r *ComparisonReference) SuppressionReason() *SuppressionReason {
	return r.Observation.SuppressionReason
}

// Comparison builds the comparison of args. It runs one SQL statement, whatever the number of
// providers: every figure it needs is read at once and the rows are assembled from the catalog. The
// statement reads only the figures it shows: for each metric, observations_by_period (period, metric_id,
// municipality_code) leads straight to the municipality's and to the country's.
func (db *DB) Comparison(ctx context.Context, c *Catalog, args ComparisonArgs) (*Comparison, error) {
	cmpn, err := c.comparisonFrame(args)
	if err != nil {
		return nil, err
	}
	list, _ := json.Marshal(storedMetricIDs(cmpn.Metrics))
	rows, err := db.query(ctx, `SELECT `+observationColumns+` FROM observations o
		WHERE o.period = ?2 AND o.metric_id IN (SELECT value FROM json_each(?1)) AND o.municipality_code IN (?3, ?4)
			AND (o.municipality_code = ?3 OR o.provider_id IS NULL)`,
		string(list), cmpn.Period, cmpn.Municipality.Code, CountryCode)
	if err != nil {
		return nil, fmt.Errorf("query comparison: %w", err)
	}
	defer rows.Close()
	var figures []*Observation
	for rows.Next() {
		o, _, err := db.scanObservation(rows, c)
		if err != nil {
			return nil, err
		}
		figures = append(figures, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	c.fillComparison(cmpn, args.OperatingForms, figures)
	return cmpn, nil
}

// comparisonFrame checks the arguments and finds the area, municipality, period and metrics.
func (c *Catalog) comparisonFrame(args ComparisonArgs) (*Comparison, error) {
	if err := ParseIDOf("ServiceArea", args.ServiceArea); err != nil {
		return nil, err
	}
	period, err := ParsePeriod(args.Period)
	if err != nil {
		return nil, err
	}
	cmpn := &Comparison{Period: period.Text, PeriodStart: period.Start, PeriodEnd: period.End, ServiceArea: c.ServiceArea(args.ServiceArea), Municipality: c.Municipality(args.Municipality)}
	if cmpn.ServiceArea == nil {
		return nil, fmt.Errorf("service area %q: %w", args.ServiceArea, ErrNotFound)
	}
	if cmpn.Municipality == nil {
		return nil, fmt.Errorf("municipality %q: %w", args.Municipality, ErrNotFound)
	}
	if args.Metrics == nil {
		cmpn.Metrics = c.HeadlineMetrics(args.ServiceArea)
	}
	for _, id := range args.Metrics {
		if err := ParseIDOf("Metric", id); err != nil {
			return nil, err
		}
		m := c.Metric(id)
		if m == nil {
			return nil, fmt.Errorf("metric %q: %w", id, ErrNotFound)
		}
		if m.ServiceAreaID != args.ServiceArea {
			return nil, inputErrorf("metric %q belongs to %s, not to %s", id, m.ServiceAreaID, args.ServiceArea)
		}
		if !slices.Contains(cmpn.Metrics, m) {
			cmpn.Metrics = append(cmpn.Metrics, m)
		}
	}
	// A metric is never shown without its counterweights: a pass rate brings its dropout rate and
	// grade distribution along, after the metrics asked for.
	for _, m := range cmpn.Metrics {
		for _, related := range c.RelatedMetrics(m) {
			if related.ServiceAreaID == args.ServiceArea && !slices.Contains(cmpn.Metrics, related) {
				cmpn.Metrics = append(cmpn.Metrics, related)
			}
		}
	}
	return cmpn, nil
}

// figure returns a subject's figure for m from its stored figures (metric ID → figure), computing it
// when m is derived.
func (c *Catalog) figure(m *Metric, stored map[string]*Observation) *Observation {
	if f := m.Formula; f != nil {
		return c.derive(m, stored[f.NumeratorID], stored[f.DenominatorID])
	}
	return stored[m.ID]
}

// bySubject groups figures by whom they are about (a provider's ID, or a municipality code for
// municipality-wide figures) and then by metric.
func bySubject(figures []*Observation) map[string]map[string]*Observation {
	out := map[string]map[string]*Observation{}
	for _, o := range figures {
		subject := o.MunicipalityCode
		if o.ProviderID != nil {
			subject = *o.ProviderID
		}
		if out[subject] == nil {
			out[subject] = map[string]*Observation{}
		}
		out[subject][o.MetricID] = o
	}
	return out
}

// fillComparison lays the figures out as rows, ranks each column, and adds summaries and references.
func (c *Catalog) fillComparison(cmpn *Comparison, forms []OperatingForm, figures []*Observation) {
	subjects := bySubject(figures)
	cmpn.sources = map[string]bool{}
	providers := c.comparedProviders(cmpn, figures)
	if len(forms) > 0 {
		providers = slices.DeleteFunc(providers, func(p *Provider) bool { return !slices.Contains(forms, p.OperatingForm) })
	}
	// The rows and cells in one block each, not one allocation apiece: 2,000 providers × 6 metrics are
	// 12,000 cells, allocated on every computed request.
	n := len(cmpn.Metrics)
	rows, cells := make([]ComparisonRow, len(providers)), make([]ComparisonCell, len(providers)*n)
	cellsOfRows := make([]*ComparisonCell, len(cells))
	cmpn.Rows = make([]*ComparisonRow, 0, len(providers))
	for i, p := range providers {
		row := &rows[i]
		row.Provider, row.Cells = p, cellsOfRows[i*n:(i+1)*n:(i+1)*n]
		for j, m := range cmpn.Metrics {
			cell := &cells[i*n+j]
			cell.Metric = m
			if o := c.figure(m, subjects[p.ID]); o != nil {
				cell.Observation, cell.Value, cell.ValueWomen, cell.ValueMen = o, o.Value, o.ValueWomen, o.ValueMen
				cell.SampleSize, cell.Suppressed, cell.Illustrative = o.SampleSize, o.Suppressed, c.Illustrative(o.SourceID)
				cell.SuppressionReason = o.SuppressionReason
				cmpn.sources[o.SourceID] = true
			}
			cmpn.ContainsIllustrativeData = cmpn.ContainsIllustrativeData || cell.Illustrative
			row.Cells[j] = cell
		}
		cmpn.Rows = append(cmpn.Rows, row)
	}
	for i, m := range cmpn.Metrics {
		column := make([]*ComparisonCell, len(cmpn.Rows))
		for r, row := range cmpn.Rows {
			column[r] = row.Cells[i]
		}
		rankColumn(m.Direction, column)
		cmpn.Summaries = append(cmpn.Summaries, summariseColumn(m, cmpn.Rows, column)...)
	}
	for _, m := range cmpn.Metrics {
		for _, scope := range []ReferenceScope{ScopeMunicipality, ScopeCountry} {
			code := cmpn.Municipality.Code
			if scope == ScopeCountry {
				code = CountryCode
			}
			o := c.figure(m, subjects[code])
			if o == nil || (scope == ScopeCountry && code == cmpn.Municipality.Code) {
				continue
			}
			cmpn.References = append(cmpn.References, &ComparisonReference{
				Metric: m, Scope: scope, Municipality: c.Municipality(code), Observation: o, Source: c.Source(o.SourceID),
			})
			cmpn.sources[o.SourceID] = true
			cmpn.ContainsIllustrativeData = cmpn.ContainsIllustrativeData || c.Illustrative(o.SourceID)
		}
	}
}

// comparedProviders are the providers active in the area during the period: those whose authorisation
// under the area's scheme in the municipality was in force (not suspended) on some day of the period, by
// its history, and any other provider with a figure for the period. They are ordered by name, by Swedish rules.
func (c *Catalog) comparedProviders(cmpn *Comparison, figures []*Observation) []*Provider {
	seen := map[string]bool{}
	var providers []*Provider
	add := func(id string) {
		if p := c.Provider(id); p != nil && !seen[id] {
			seen[id] = true
			providers = append(providers, p)
		}
	}
	for _, s := range c.Schemes(cmpn.ServiceArea.ID, cmpn.Municipality.Code) {
		for _, a := range c.authsByScheme[s.ID] {
			if a.ActiveDuring(cmpn.PeriodStart, cmpn.PeriodEnd) {
				add(a.ProviderID)
			}
		}
	}
	for _, o := range figures {
		if o.ProviderID != nil {
			add(*o.ProviderID)
		}
	}
	slices.SortFunc(providers, func(a, b *Provider) int {
		return cmp.Or(cmp.Compare(c.nameKeys[a.ID], c.nameKeys[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	return providers
}

// rankColumn ranks the cells of one metric by its direction. Cells with a value are ranked 1 for the
// best; equal values share a rank and the next rank skips (1, 2, 2, 4). Suppressed and missing cells
// get no rank and are not counted in RankOf. NEUTRAL metrics are not ranked at all.
func rankColumn(direction MetricDirection, cells []*ComparisonCell) {
	if direction == Neutral {
		return
	}
	var ranked []*ComparisonCell
	for _, cell := range cells {
		if cell.Value != nil {
			ranked = append(ranked, cell)
		}
	}
	// Best first; a cell's rank is one more than the number of cells before it with a better value.
	slices.SortStableFunc(ranked, func(a, b *ComparisonCell) int {
		if direction == LowerIsBetter {
			return cmp.Compare(*a.Value, *b.Value)
		}
		return cmp.Compare(*b.Value, *a.Value)
	})
	of, ranks := len(ranked), make([]int, len(ranked))
	for i, cell := range ranked {
		ranks[i] = i + 1
		if i > 0 && *cell.Value == *ranked[i-1].Value {
			ranks[i] = ranks[i-1]
		}
		cell.Rank, cell.RankOf = &ranks[i], &of
	}
}

// summariseColumn summarises one metric for all providers together and for each operating form
// present among the rows, in the fixed order of operating forms.
func summariseColumn(m *Metric, rows []*ComparisonRow, column []*ComparisonCell) []*ComparisonSummary {
	group := func(form *OperatingForm) *ComparisonSummary {
		values := make([]Weighted, 0, len(column))
		for i, cell := range column {
			if (form == nil || rows[i].Provider.OperatingForm == *form) && cell.Value != nil {
				values = append(values, Weighted{Value: *cell.Value, Weight: cell.SampleSize})
			}
		}
		return &ComparisonSummary{OperatingForm: form, Metric: m, Summary: Summarise(values, m.Unit == UnitPercent)}
	}
	summaries := []*ComparisonSummary{group(nil)}
	for _, form := range OperatingForms {
		if slices.ContainsFunc(rows, func(r *ComparisonRow) bool { return r.Provider.OperatingForm == form }) {
			summaries = append(summaries, group(&form))
		}
	}
	return summaries
}
