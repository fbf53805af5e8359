package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// group is the unit suppression is decided for: one municipality's figures for the metrics of one
// service area in one year (see disclosure.go).
type group struct {
	area, municipality string
	year               int
}

// groupRow is a stored figure as suppression is decided for it.
type groupRow struct {
	seq               int64
	figure            tableFigure
	reason, genderWhy *SuppressionReason // as stored
	newReason, newWhy *SuppressionReason // as decided
}

// decideQueued decides suppression again for every group whose figures changed in this transaction (the
// triggers of migration 0007 queue them), stamping each figure whose published state changes so mirrors
// fetch it again. It runs inside every write, before the commit.
func (db *DB) decideQueued(ctx context.Context, tx *sql.Tx, stamp string) (changed int, err error) {
	var threshold int
	if err := tx.QueryRowContext(ctx, `SELECT suppress_below FROM dataset`).Scan(&threshold); err == sql.ErrNoRows {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT municipality_code, year, metric_id FROM disclosure_queue`)
	if err != nil {
		return 0, err
	}
	var queued [][3]string
	for rows.Next() {
		var q [3]string
		if err := rows.Scan(&q[0], &q[1], &q[2]); err != nil {
			rows.Close()
			return 0, err
		}
		queued = append(queued, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(queued) == 0 {
		return 0, err
	}
	metrics, err := disclosureMetrics(ctx, tx)
	if err != nil {
		return 0, err
	}
	groups := map[group]bool{}
	for _, q := range queued {
		year, _ := strconv.Atoi(q[1])
		if m := metrics[q[2]]; m != nil {
			groups[group{area: m.ServiceAreaID, municipality: q[0], year: year}] = true
		}
	}
	read, err := tx.PrepareContext(ctx, readGroup)
	if err != nil {
		return 0, err
	}
	defer read.Close()
	// Each group's decisions rest on its own figures alone, so they are all written at the end, in the
	// order the figures are stored.
	var decided []*groupRow
	for _, g := range slices.SortedFunc(maps.Keys(groups), compareGroups) {
		rows, err := db.decideGroup(ctx, read, g, metrics, threshold)
		if err != nil {
			return 0, fmt.Errorf("suppression of %s %s %d: %w", g.municipality, g.area, g.year, err)
		}
		decided = append(decided, rows...)
	}
	slices.SortFunc(decided, func(a, b *groupRow) int { return cmp.Compare(a.seq, b.seq) })
	for chunk := range slices.Chunk(decided, findBatch) {
		rows := make([][3]any, len(chunk))
		for i, r := range chunk {
			rows[i] = [3]any{r.seq, r.newReason, r.newWhy}
		}
		list, err := json.Marshal(rows)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, decideFigures, string(list), stamp); err != nil {
			return 0, err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM disclosure_queue`)
	return len(decided), err
}

// readGroup reads a group's figures (municipality, metric IDs as a JSON array, first and last day of the
// year) and decideFigures writes the decisions ?1 lists as a JSON array of [row, reason, reason for women
// and men], stamped ?2, in one statement; TestImportSearchesIndexes checks that neither scans.
const (
	readGroup = `SELECT seq, metric_id, coalesce(provider_id, ''), period,
			sample_size, sample_size_women, sample_size_men, value_women IS NOT NULL OR value_men IS NOT NULL,
			suppression, gender_suppression
		FROM observations
		WHERE municipality_code = ?1 AND metric_id IN (SELECT value FROM json_each(?2)) AND period_start BETWEEN ?3 AND ?4`
	decideFigures = `UPDATE observations SET suppression = d.value ->> 1, gender_suppression = d.value ->> 2, updated_at = ?2
		FROM jsonb_each(?1) AS d WHERE observations.seq = d.value ->> 0`
)

func compareGroups(a, b group) int {
	return cmp.Or(cmp.Compare(a.municipality, b.municipality), cmp.Compare(a.area, b.area), cmp.Compare(a.year, b.year))
}

// disclosureMetrics reads what suppression needs of every metric: its unit, area and what it is paid for.
func disclosureMetrics(ctx context.Context, tx *sql.Tx) (map[string]*Metric, error) {
	metrics := map[string]*Metric{}
	rows, err := tx.QueryContext(ctx, `SELECT id, unit, service_area_id FROM metrics`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		m := new(Metric)
		if err := rows.Scan(&m.ID, &m.Unit, &m.ServiceAreaID); err != nil {
			rows.Close()
			return nil, err
		}
		metrics[m.ID] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT metric_id, unit, paid_when, counted_by FROM metric_paid_for ORDER BY metric_id, position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var q PaidQuantity
		if err := rows.Scan(&id, &q.Unit, &q.PaidWhen, &q.MetricID); err != nil {
			return nil, err
		}
		if m := metrics[id]; m != nil {
			m.PaidFor = append(m.PaidFor, q)
		}
	}
	return metrics, rows.Err()
}

// decideGroup reads a group's figures, decides which to withhold and returns those whose decision changed.
func (db *DB) decideGroup(ctx context.Context, read *sql.Stmt, g group, metrics map[string]*Metric, threshold int) (changed []*groupRow, err error) {
	var ids []string
	for id, m := range metrics {
		if m.ServiceAreaID == g.area {
			ids = append(ids, id)
		}
	}
	list, _ := json.Marshal(ids)
	year := strconv.Itoa(g.year)
	rows, err := read.QueryContext(ctx, g.municipality, string(list), year+"-01-01", year+"-12-31")
	if err != nil {
		return nil, err
	}
	byMetric := map[string][]*groupRow{}
	periods := map[string]Period{} // a group has few periods and many figures
	for rows.Next() {
		r := new(groupRow)
		var metricID, period string
		f := &r.figure
		if err := rows.Scan(&r.seq, &metricID, &f.provider, &period, &f.n[totalPart], &f.n[womenPart], &f.n[menPart], &f.genders,
			&r.reason, &r.genderWhy); err != nil {
			rows.Close()
			return nil, err
		}
		p, ok := periods[period]
		if !ok {
			if p, err = ParsePeriod(period); err != nil {
				rows.Close()
				return nil, err
			}
			periods[period] = p
		}
		f.period = p
		f.metric = metrics[metricID]
		byMetric[metricID] = append(byMetric[metricID], r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	decided := map[string]map[string]bool{} // metric → "provider/period" of its withheld figures
	// Counts first, then the money paid for them.
	order := slices.SortedFunc(maps.Keys(byMetric), func(a, b string) int {
		return cmp.Or(cmp.Compare(len(metrics[a].PaidFor), len(metrics[b].PaidFor)), cmp.Compare(a, b))
	})
	for _, id := range order {
		figures := byMetric[id]
		slices.SortFunc(figures, func(a, b *groupRow) int {
			return cmp.Or(cmp.Compare(a.figure.provider, b.figure.provider), cmp.Compare(a.figure.period.Start, b.figure.period.Start),
				cmp.Compare(b.figure.period.End, a.figure.period.End), cmp.Compare(a.figure.period.Text, b.figure.period.Text))
		})
		decided[id] = db.decideMetric(figures, metrics[id], decided, threshold)
	}
	for _, figures := range byMetric {
		for _, r := range figures {
			if eq(r.reason, r.newReason) && eq(r.genderWhy, r.newWhy) {
				continue
			}
			changed = append(changed, r)
		}
	}
	return changed, nil
}

// decideMetric decides for one metric's figures of a group, given what is withheld of the metrics it is
// paid for, and returns which of its figures are withheld.
func (db *DB) decideMetric(figures []*groupRow, m *Metric, decided map[string]map[string]bool, threshold int) map[string]bool {
	t := newTable(tableFigures(figures))
	p := newProtection(t, threshold)
	p.primary()
	if !db.primaryOnly {
		// A payment is withheld whenever a count it is paid for is: the prices would give the count back.
		for i, f := range t.figures {
			for _, q := range m.PaidFor {
				if decided[q.MetricID][f.provider+"/"+f.period.Text] {
					p.hide(t.cellOf[i][totalPart], ProtectsOtherFigure, true)
				}
			}
		}
		p.complete()
	}
	withheld := map[string]bool{}
	for i, r := range figures {
		cells := t.cellOf[i]
		r.newReason, r.newWhy = reasonOf(p.reason[cells[totalPart]]), nil
		if cells[womenPart] >= 0 {
			r.newWhy = reasonOf(p.reason[cells[womenPart]])
		}
		if r.newReason != nil {
			withheld[r.figure.provider+"/"+r.figure.period.Text] = true
		}
	}
	return withheld
}

func tableFigures(rows []*groupRow) []tableFigure {
	out := make([]tableFigure, len(rows))
	for i, r := range rows {
		out[i] = r.figure
	}
	return out
}

func reasonOf(r SuppressionReason) *SuppressionReason {
	if r == "" {
		return nil
	}
	return &r
}
