package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ImportResult says what an import changed.
type ImportResult struct {
	Added, Changed, Unchanged int
}

// ImportObservations adds or corrects observations, keyed by metric, subject and period, in one
// transaction: every figure is checked against the stored metrics, providers, municipalities and
// sources first, and if any is wrong nothing is written. A figure identical to the stored one is left
// alone, so importing the same file twice changes nothing, not even the data version.
func (db *DB) ImportObservations(ctx context.Context, obs []*Observation) (ImportResult, error) {
	var res ImportResult
	c, err := db.Catalog(ctx)
	if err != nil {
		return res, err
	}
	if err := c.checkObservations(obs); err != nil {
		return res, err
	}
	err = db.write(ctx, func(tx *sql.Tx, stamp string) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO observations (metric_id, provider_id, municipality_code, period, period_start, period_end,
				value, value_women, value_men, sample_size, sample_size_women, sample_size_men, status, note, source_id, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
			ON CONFLICT (metric_id, coalesce(provider_id, municipality_code), period) DO UPDATE SET
				value = excluded.value, value_women = excluded.value_women, value_men = excluded.value_men,
				sample_size = excluded.sample_size, sample_size_women = excluded.sample_size_women,
				sample_size_men = excluded.sample_size_men, status = excluded.status, note = excluded.note,
				source_id = excluded.source_id, updated_at = excluded.updated_at
			WHERE value IS NOT excluded.value OR value_women IS NOT excluded.value_women OR value_men IS NOT excluded.value_men
				OR sample_size IS NOT excluded.sample_size OR sample_size_women IS NOT excluded.sample_size_women
				OR sample_size_men IS NOT excluded.sample_size_men OR status IS NOT excluded.status
				OR note IS NOT excluded.note OR source_id IS NOT excluded.source_id
			RETURNING seq`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		// A new row gets a seq above every existing one; a corrected row keeps its own.
		var lastSeq int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM observations`).Scan(&lastSeq); err != nil {
			return err
		}
		for _, o := range obs {
			p, _ := ParsePeriod(o.Period) // checked above
			var seq int64
			err := stmt.QueryRowContext(ctx, o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period, p.Start, p.End,
				o.Value, o.ValueWomen, o.ValueMen, o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen, o.Status, o.Note, o.SourceID, stamp).Scan(&seq)
			switch {
			case err == sql.ErrNoRows: // the stored figure is the same
				res.Unchanged++
			case err != nil:
				return fmt.Errorf("import %s: %w", o.ID(), err)
			case seq > lastSeq:
				res.Added++
			default:
				res.Changed++
			}
		}
		if res.Added+res.Changed == 0 {
			return errUnchanged
		}
		// A figure that comes back is no longer deleted.
		_, err = tx.ExecContext(ctx, `DELETE FROM tombstones WHERE id IN (SELECT `+observationIDExpr+` FROM observations WHERE updated_at = ?1)`, stamp)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// checkObservations validates figures against the stored data, listing every problem.
func (c *Catalog) checkObservations(obs []*Observation) error {
	v := validator{seen: map[string]bool{}}
	for id := range c.byID {
		v.seen[id] = true
	}
	municipalities := map[string]bool{}
	for code := range c.municipalityByCode {
		municipalities[code] = true
	}
	units, derived := map[string]MetricUnit{}, map[string]bool{}
	for _, m := range c.metrics {
		units[m.ID], derived[m.ID] = m.Unit, m.Formula != nil
	}
	observed := map[string]bool{}
	for _, o := range obs {
		v.observation(o, observed, municipalities, units, derived)
	}
	return v.result()
}
