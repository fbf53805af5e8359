package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ObservationFilter selects observations. Zero fields match every observation.
type ObservationFilter struct {
	UpdatedSince  *time.Time
	Metrics       []string
	Provider      *string
	Municipality  *string
	Period        *string
	ServiceArea   *string
	AboutProvider *bool
}

// ObservationOrder is the order of an observation list.
type ObservationOrder struct {
	Field     ObservationOrderField
	Direction OrderDirection
}

// ObservationOrderField is what an observation list is ordered by.
type ObservationOrderField string

const (
	ObservationOrderUpdatedAt ObservationOrderField = "UPDATED_AT"
	ObservationOrderPeriod    ObservationOrderField = "PERIOD"
)

// Observation pages hold 100 observations unless asked otherwise, and at most 1,000.
const (
	DefaultObservationPage = 100
	MaxObservationPage     = 1000
)

// ObservationPage is one page of an observation list.
type ObservationPage struct {
	Edges    []ObservationEdge
	PageInfo PageInfo
	count    func(context.Context) (int, error)
}

// ObservationEdge is an observation with its cursor.
type ObservationEdge struct {
	Cursor string
	Node   *Observation
}

// Nodes returns the page's observations.
func (p *ObservationPage) Nodes() []*Observation {
	nodes := make([]*Observation, len(p.Edges))
	for i, e := range p.Edges {
		nodes[i] = e.Node
	}
	return nodes
}

// TotalCount counts every observation the filter matches. It runs only when asked for, since counting
// a national data set is the most expensive part of a page.
func (p *ObservationPage) TotalCount(ctx context.Context) (int, error) { return p.count(ctx) }

// observationColumns are read in this order by scanObservation.
const observationColumns = `o.seq, o.metric_id, o.provider_id, o.municipality_code, o.period, o.period_start, o.period_end,
	o.value, o.value_women, o.value_men, o.sample_size, o.sample_size_women, o.sample_size_men,
	o.status, o.note, o.source_id, o.updated_at, o.suppression, o.gender_suppression`

// scanObservation reads one row and withholds what the writer decided to withhold, so no figure leaves
// the store unprotected, whichever path asked for it.
func (db *DB) scanObservation(rows *sql.Rows, c *Catalog) (*Observation, int64, error) {
	o := &Observation{catalog: c}
	var seq int64
	var updatedAt string
	err := rows.Scan(&seq, &o.MetricID, &o.ProviderID, &o.MunicipalityCode, &o.Period, &o.PeriodStart, &o.PeriodEnd,
		&o.Value, &o.ValueWomen, &o.ValueMen, &o.SampleSize, &o.SampleSizeWomen, &o.SampleSizeMen,
		&o.Status, &o.Note, &o.SourceID, &updatedAt, &o.SuppressionReason, &o.GenderSuppressionReason)
	o.UpdatedAt = parseTime(updatedAt)
	c.suppress(o)
	return o, seq, err
}

// suppress withholds what o's suppression reasons say: the value and sample size when the figure is
// withheld, the values for women and men when they are. The sizes of the two groups are never shown
// (with the total and the two values they could be worked out anyway, but they are not needed). A figure
// whose reasons were not decided (none should be) is still held to the threshold.
func (c *Catalog) suppress(o *Observation) {
	if o.SuppressionReason == nil && o.SampleSize != nil && *o.SampleSize < c.Info.SuppressBelow {
		o.SuppressionReason = reasonOf(TooFewIndividuals)
	}
	if o.SuppressionReason != nil {
		o.Suppressed = true
		o.Value, o.SampleSize = nil, nil
		if o.GenderSuppressionReason == nil && (o.ValueWomen != nil || o.ValueMen != nil) {
			o.GenderSuppressionReason = o.SuppressionReason
		}
	}
	if o.GenderSuppressionReason != nil {
		o.ValueWomen, o.ValueMen = nil, nil
	}
	o.SampleSizeWomen, o.SampleSizeMen = nil, nil
}

// observationQuery builds the WHERE clause of a filter over observations o, or, when counted is true,
// over observation_counts o (see countedAlone). It joins fixed fragments, one per field that is set,
// rather than writing "(?1 IS NULL OR …)" for every field, because SQLite cannot use an index through
// such an OR. No caller's text ever enters the SQL: values go in as parameters.
func observationQuery(f ObservationFilter, counted bool) (where string, args []any, err error) {
	var clauses []string
	add := func(clause string, arg any) {
		args = append(args, arg)
		clauses = append(clauses, strings.ReplaceAll(clause, "?", "?"+strconv.Itoa(len(args))))
	}
	if f.UpdatedSince != nil {
		add(`o.updated_at > ?`, f.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	if f.Metrics != nil {
		for _, id := range f.Metrics {
			if err := ParseIDOf("Metric", id); err != nil {
				return "", nil, err
			}
		}
		list, _ := json.Marshal(f.Metrics)
		add(`o.metric_id IN (SELECT value FROM json_each(?))`, string(list))
	}
	if f.Provider != nil {
		if err := ParseIDOf("Provider", *f.Provider); err != nil {
			return "", nil, err
		}
		add(`o.provider_id = ?`, *f.Provider)
	}
	if f.Municipality != nil {
		add(`o.municipality_code = ?`, *f.Municipality)
	}
	if f.Period != nil {
		if err := validPeriod(*f.Period); err != nil {
			return "", nil, err
		}
		add(`o.period = ?`, *f.Period)
	}
	if f.ServiceArea != nil {
		if err := ParseIDOf("ServiceArea", *f.ServiceArea); err != nil {
			return "", nil, err
		}
		add(`o.metric_id IN (SELECT id FROM metrics WHERE service_area_id = ?)`, *f.ServiceArea)
	}
	if f.AboutProvider != nil {
		if counted {
			add(`o.about_provider = ?`, *f.AboutProvider)
		} else {
			add(`(o.provider_id IS NOT NULL) = ?`, *f.AboutProvider)
		}
	}
	if len(clauses) == 0 {
		return "1", nil, nil
	}
	return strings.Join(clauses, " AND "), args, nil
}

// observationKeys are the columns each ordering sorts by; the last is always seq, so keys are unique.
var observationKeys = map[ObservationOrderField][]string{
	ObservationOrderUpdatedAt: {"o.updated_at", "o.seq"},
	ObservationOrderPeriod:    {"o.period_start", "o.metric_id", "o.seq"},
}

// Observations returns one page of the observations matching f in the order o, using keyset
// pagination: a cursor holds the sort keys of its row, so pages stay correct while rows are added.
func (db *DB) Observations(ctx context.Context, c *Catalog, f ObservationFilter, o ObservationOrder, args PageArgs) (*ObservationPage, error) {
	pages, err := db.observationPages(ctx, c, f, o, args, nil)
	if err != nil {
		return nil, err
	}
	return pages[0], nil
}

// ProviderResults returns, for each provider, one page of its observations matching f, all in one
// statement (and one more for the counts, if asked for): a list of providers with their results runs
// the same number of statements whatever its length.
func (db *DB) ProviderResults(ctx context.Context, c *Catalog, providerIDs []string, f ObservationFilter, o ObservationOrder, args PageArgs) ([]*ObservationPage, error) {
	switch len(providerIDs) {
	case 0:
		return nil, nil
	case 1: // one provider's page (its profile) is a plain ranged read of its index, without a window
		f.Provider = &providerIDs[0]
		return db.observationPages(ctx, c, f, o, args, nil)
	}
	return db.observationPages(ctx, c, f, o, args, providerIDs)
}

// observationPages builds one page per provider in providers, or a single page of everything matching
// f when providers is nil.
func (db *DB) observationPages(ctx context.Context, c *Catalog, f ObservationFilter, o ObservationOrder, args PageArgs, providers []string) ([]*ObservationPage, error) {
	if o.Field == "" {
		o = ObservationOrder{Field: ObservationOrderUpdatedAt, Direction: Asc}
	}
	keyColumns, ok := observationKeys[o.Field]
	if !ok {
		return nil, inputErrorf("unknown ordering %q", o.Field)
	}
	order := string(o.Field) + " " + string(o.Direction)
	w, err := checkPage(args, order, DefaultObservationPage, MaxObservationPage)
	if err != nil {
		return nil, err
	}
	where, params, err := observationQuery(f, false)
	if err != nil {
		return nil, err
	}
	partitioned := providers != nil
	if partitioned {
		list, _ := json.Marshal(providers)
		params = append(params, string(list))
		where += " AND o.provider_id IN (SELECT value FROM json_each(?" + strconv.Itoa(len(params)) + "))"
	}
	count, countParams := `SELECT '', count(*) FROM observations o WHERE `+where, slices.Clone(params)
	switch {
	case partitioned:
		count = `SELECT o.provider_id, count(*) FROM observations o WHERE ` + where + ` GROUP BY o.provider_id`
	case countedAlone(f):
		var counted string
		counted, countParams, _ = observationQuery(f, true) // f passed the same checks just now
		count = `SELECT '', coalesce(sum(o.n), 0) FROM observation_counts o WHERE ` + counted
	}
	counts := db.observationCounts(count, countParams)
	pages := make([]*ObservationPage, max(1, len(providers)))
	index := map[string]int{}
	for i := range pages {
		pages[i] = &ObservationPage{}
		if partitioned {
			index[providers[i]] = i
			id := providers[i]
			pages[i].count = func(ctx context.Context) (int, error) {
				n, err := counts(ctx)
				return n[id], err
			}
		} else {
			pages[i].count = func(ctx context.Context) (int, error) {
				n, err := counts(ctx)
				return n[""], err
			}
		}
	}
	if w.limit == 0 {
		return pages, nil
	}

	// Ascending unless the ordering is descending; a page taken from the end reads backwards and is
	// turned around afterwards.
	descending := (o.Direction == Desc) != w.fromEnd
	// A cursor's bound is the row value (keys) > (cursor's keys), or <. SQLite seeks an index by such a
	// bound's first column only and steps over every row sharing it, which is every row of a bulk write
	// when the keys start with updated_at: the page after a million figures written at once read a
	// million index entries. So the bound the read starts from, when the list is not partitioned, is
	// written as its arms instead (k1 = v1 AND k2 > v2, then k1 > v1), one SELECT each, merged in order
	// by SQLite (MERGE (UNION ALL)), each sought in the index by all of its columns.
	var arms []string
	bound := func(c *cursor, after bool) error {
		if len(c.keys) != len(keyColumns) {
			return inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
		seq, err := strconv.ParseInt(c.keys[len(c.keys)-1], 10, 64)
		if err != nil {
			return inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
		op := ">"
		if after == (o.Direction == Desc) {
			op = "<"
		}
		marks := make([]string, len(c.keys))
		for i, k := range c.keys {
			params = append(params, k)
			marks[i] = "?" + strconv.Itoa(len(params))
		}
		params[len(params)-1] = seq
		if partitioned || after == w.fromEnd { // a bound the read ends at, or within each provider
			where += " AND (" + strings.Join(keyColumns, ", ") + ") " + op + " (" + strings.Join(marks, ", ") + ")"
			return nil
		}
		for i := len(keyColumns) - 1; i >= 0; i-- {
			var arm []string
			for j := range i {
				arm = append(arm, keyColumns[j]+" = "+marks[j])
			}
			arms = append(arms, strings.Join(append(arm, keyColumns[i]+" "+op+" "+marks[i]), " AND "))
		}
		return nil
	}
	if w.after != nil {
		if err := bound(w.after, true); err != nil {
			return nil, err
		}
	}
	if w.before != nil {
		if err := bound(w.before, false); err != nil {
			return nil, err
		}
	}
	direction := " ASC"
	if descending {
		direction = " DESC"
	}
	orderBy := strings.Join(keyColumns, direction+", ") + direction
	params = append(params, w.limit+1)
	limit := "?" + strconv.Itoa(len(params))
	query := `SELECT ` + observationColumns + ` FROM observations o WHERE ` + where + ` ORDER BY ` + orderBy + ` LIMIT ` + limit
	switch {
	case partitioned:
		// Each provider's first limit+1 rows, numbered within the provider by the page's order.
		query = `SELECT ` + observationColumns + ` FROM (
				SELECT o.*, row_number() OVER (PARTITION BY o.provider_id ORDER BY ` + orderBy + `) AS rn
				FROM observations o WHERE ` + where + `
			) o WHERE o.rn <= ` + limit + ` ORDER BY o.provider_id, o.rn`
	case arms != nil:
		selects := make([]string, len(arms))
		for i, arm := range arms {
			selects[i] = `SELECT ` + observationColumns + ` FROM observations o WHERE ` + where + ` AND ` + arm
		}
		// A compound SELECT is ordered by the positions of its columns.
		positions := make([]string, len(keyColumns))
		for i, k := range keyColumns {
			positions[i] = strconv.Itoa(observationColumnPosition(k)) + direction
		}
		query = strings.Join(selects, " UNION ALL ") + ` ORDER BY ` + strings.Join(positions, ", ") + ` LIMIT ` + limit
	}
	rows, err := db.query(ctx, query, params...)
	if err != nil {
		return nil, fmt.Errorf("query observations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		obs, seq, err := db.scanObservation(rows, c)
		if err != nil {
			return nil, err
		}
		page := pages[0]
		if partitioned {
			page = pages[index[*obs.ProviderID]]
		}
		keys := observationCursorKeys(o.Field, obs, seq)
		page.Edges = append(page.Edges, ObservationEdge{Cursor: cursor{order: order, keys: keys}.String(), Node: obs})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, page := range pages {
		page.Edges, page.PageInfo = trimPage(w, page.Edges, func(e ObservationEdge) string { return e.Cursor })
	}
	return pages, nil
}

// countedAlone reports whether observation_counts answers how many observations f matches: f filters
// on nothing but what those counts are kept by (metric, period, service area, about a provider or not).
// Every other filter (a provider, a municipality, a time) has an index of its own to count with.
func countedAlone(f ObservationFilter) bool {
	return f.UpdatedSince == nil && f.Provider == nil && f.Municipality == nil
}

// observationCounts returns a function that runs query, once and only when first called: it counts the
// observations of a list, per provider (key and count) or in all (under the key "").
func (db *DB) observationCounts(query string, params []any) func(context.Context) (map[string]int, error) {
	var once sync.Once
	var counts map[string]int
	var err error
	return func(ctx context.Context) (map[string]int, error) {
		once.Do(func() {
			var rows *sql.Rows
			rows, err = db.query(ctx, query, params...)
			if err != nil {
				return
			}
			defer rows.Close()
			counts = map[string]int{}
			for rows.Next() {
				var key string
				var n int
				if err = rows.Scan(&key, &n); err != nil {
					return
				}
				counts[key] = n
			}
			err = rows.Err()
		})
		return counts, err
	}
}

// observationColumnPosition is where column (as "o.seq") is among observationColumns, from 1.
func observationColumnPosition(column string) int {
	for i, c := range strings.Split(observationColumns, ",") {
		if strings.TrimSpace(c) == column {
			return i + 1
		}
	}
	panic("no observation column " + column)
}

func observationCursorKeys(field ObservationOrderField, o *Observation, seq int64) []string {
	s := strconv.FormatInt(seq, 10)
	if field == ObservationOrderPeriod {
		return []string{string(o.PeriodStart), o.MetricID, s}
	}
	// The stored text, not the parsed time, so the cursor compares exactly as the column does.
	return []string{o.UpdatedAt.UTC().Format(time.RFC3339Nano), s}
}

// ObservationsByID returns the observations with the given global IDs, in one statement, computing
// those of derived metrics from their formulas. IDs that name nothing are missing from the map.
func (db *DB) ObservationsByID(ctx context.Context, c *Catalog, ids []string) (map[string]*Observation, error) {
	type key struct{ Metric, Subject, Period string }
	wanted := map[string]key{}
	var keys []key
	for _, id := range ids {
		typ, k, err := ParseID(id)
		if err != nil {
			return nil, err
		}
		if typ != "Observation" {
			continue
		}
		metric, provider, municipality, period, ok := parseObservationKey(k)
		if !ok {
			return nil, inputErrorf("invalid ID %q: observation IDs look like \"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2018\"", truncate(id))
		}
		subject := municipality
		if provider != nil {
			subject = *provider
		}
		wanted[id] = key{metric, subject, period}
		if m := c.Metric(metric); m != nil && m.Formula != nil {
			keys = append(keys, key{m.Formula.NumeratorID, subject, period}, key{m.Formula.DenominatorID, subject, period})
		} else {
			keys = append(keys, key{metric, subject, period})
		}
	}
	found := map[string]*Observation{}
	if len(keys) == 0 {
		return found, nil
	}
	list, _ := json.Marshal(keys)
	rows, err := db.query(ctx, `SELECT `+observationColumns+`
		FROM json_each(?1) k JOIN observations o
			ON o.metric_id = k.value ->> 'Metric'
			AND coalesce(o.provider_id, o.municipality_code) = k.value ->> 'Subject'
			AND o.period = k.value ->> 'Period'`, string(list))
	if err != nil {
		return nil, fmt.Errorf("query observations by ID: %w", err)
	}
	defer rows.Close()
	stored := map[key]*Observation{}
	for rows.Next() {
		o, _, err := db.scanObservation(rows, c)
		if err != nil {
			return nil, err
		}
		subject := o.MunicipalityCode
		if o.ProviderID != nil {
			subject = *o.ProviderID
		}
		stored[key{o.MetricID, subject, o.Period}] = o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, k := range wanted {
		m := c.Metric(k.Metric)
		if m == nil {
			continue
		}
		o := stored[k]
		if f := m.Formula; f != nil {
			o = c.derive(m, stored[key{f.NumeratorID, k.Subject, k.Period}], stored[key{f.DenominatorID, k.Subject, k.Period}])
		}
		if o != nil {
			found[id] = o
		}
	}
	return found, nil
}
