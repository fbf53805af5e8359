package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// DryRun checks and counts everything and then writes nothing.
	DryRun bool
	// Progress, if set, is called after every 10,000 rows handled, before the transaction commits.
	Progress func(rows int)
}

// ImportResult says what an import changed, or in a dry run would change.
type ImportResult struct {
	Added, Changed, Unchanged int
	DryRun                    bool
}

// maxAuditIDs bounds how many IDs one audit entry lists; the counts are always complete.
const maxAuditIDs = 1000

// ImportObservations adds or corrects observations, keyed by metric, subject and period, in one
// transaction. The whole batch is checked against the stored data first, and if any row has a problem
// nothing is written and every problem is listed (a ProblemsError). A corrected figure keeps its former
// version in its history, with who changed it and why; a figure identical to the stored one is left
// alone, so importing the same file twice changes nothing, not even the data version. A dry run checks
// and counts everything and then writes nothing.
func (db *DB) ImportObservations(ctx context.Context, ch Change, obs []*Observation, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{DryRun: opts.DryRun}
	c, err := db.Catalog(ctx)
	if err != nil {
		return res, err
	}
	if len(obs) == 0 {
		return res, &ProblemsError{Problems: []Problem{{Message: "the batch holds no observations"}}}
	}
	if err := c.checkBatch(obs); err != nil {
		return res, err
	}
	err = db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		h, err := prepareHistory(ctx, tx)
		if err != nil {
			return nil, err
		}
		defer h.close()
		insert, err := tx.PrepareContext(ctx, insertObservation)
		if err != nil {
			return nil, err
		}
		defer insert.Close()
		update, err := tx.PrepareContext(ctx, `UPDATE observations SET value = ?4, value_women = ?5, value_men = ?6,
				sample_size = ?7, sample_size_women = ?8, sample_size_men = ?9, status = ?10, note = ?11, source_id = ?12, updated_at = ?13
			WHERE metric_id = ?1 AND coalesce(provider_id, municipality_code) = ?2 AND period = ?3`)
		if err != nil {
			return nil, err
		}
		defer update.Close()
		unbury, err := tx.PrepareContext(ctx, `DELETE FROM tombstones WHERE id = ?1`)
		if err != nil {
			return nil, err
		}
		defer unbury.Close()

		var added, changed []string
		for i, o := range obs {
			if opts.Progress != nil && i > 0 && i%10_000 == 0 {
				opts.Progress(i)
			}
			old, err := h.current(ctx, o.MetricID, subjectOf(o), o.Period)
			switch {
			case err == nil && sameFigure(old, o):
				res.Unchanged++
			case err == nil:
				if err := h.keep(ctx, old, stamp, ch, false); err != nil {
					return nil, err
				}
				_, err := update.ExecContext(ctx, o.MetricID, subjectOf(o), o.Period, o.Value, o.ValueWomen, o.ValueMen,
					o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen, o.Status, o.Note, o.SourceID, stamp)
				if err != nil {
					return nil, fmt.Errorf("correct %s: %w", o.ID(), err)
				}
				res.Changed++
				changed = appendCapped(changed, o.ID())
			case errors.Is(err, sql.ErrNoRows):
				if err := execInsertObservation(ctx, insert, o, stamp); err != nil {
					return nil, err
				}
				// A figure that comes back is no longer deleted.
				if _, err := unbury.ExecContext(ctx, o.ID()); err != nil {
					return nil, err
				}
				res.Added++
				added = appendCapped(added, o.ID())
			default:
				return nil, err
			}
		}
		switch {
		case opts.DryRun:
			return nil, errDryRun
		case res.Added+res.Changed == 0:
			return nil, errUnchanged
		}
		return map[string]any{"added": res.Added, "changed": res.Changed, "unchanged": res.Unchanged,
			"addedIds": added, "changedIds": changed}, nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func appendCapped(ids []string, id string) []string {
	if len(ids) < maxAuditIDs {
		ids = append(ids, id)
	}
	return ids
}

func subjectOf(o *Observation) string {
	if o.ProviderID != nil {
		return *o.ProviderID
	}
	return o.MunicipalityCode
}

// sameFigure reports whether an import would change nothing about a stored figure.
func sameFigure(old stored, o *Observation) bool {
	return eq(old.value, o.Value) && eq(old.valueWomen, o.ValueWomen) && eq(old.valueMen, o.ValueMen) &&
		eq(old.sampleSize, o.SampleSize) && eq(old.sampleSizeWomen, o.SampleSizeWomen) && eq(old.sampleSizeMen, o.SampleSizeMen) &&
		old.status == o.Status && eq(old.note, o.Note) && old.sourceID == o.SourceID
}

func eq[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// stored is an observation's row as it is, before suppression: history keeps the real figure.
type stored struct {
	id                                         string
	value, valueWomen, valueMen                *float64
	sampleSize, sampleSizeWomen, sampleSizeMen *int
	status                                     ObservationStatus
	note                                       *string
	sourceID, updatedAt                        string
}

// history reads a figure as stored and keeps former versions.
type history struct {
	find, revise *sql.Stmt
}

func prepareHistory(ctx context.Context, tx *sql.Tx) (*history, error) {
	find, err := tx.PrepareContext(ctx, `SELECT `+observationIDExpr+`, value, value_women, value_men, sample_size, sample_size_women, sample_size_men,
			status, note, source_id, updated_at
		FROM observations WHERE metric_id = ?1 AND coalesce(provider_id, municipality_code) = ?2 AND period = ?3`)
	if err != nil {
		return nil, err
	}
	revise, err := tx.PrepareContext(ctx, `INSERT INTO observation_revisions (observation_id, value, value_women, value_men,
			sample_size, sample_size_women, sample_size_men, status, note, source_id, valid_from, replaced_at, replaced_by, reason, deleted)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)`)
	if err != nil {
		find.Close()
		return nil, err
	}
	return &history{find: find, revise: revise}, nil
}

func (h *history) close() {
	h.find.Close()
	h.revise.Close()
}

// current reads the stored figure for a metric, subject and period, or sql.ErrNoRows.
func (h *history) current(ctx context.Context, metricID, subject, period string) (stored, error) {
	var s stored
	err := h.find.QueryRowContext(ctx, metricID, subject, period).Scan(&s.id, &s.value, &s.valueWomen, &s.valueMen,
		&s.sampleSize, &s.sampleSizeWomen, &s.sampleSizeMen, &s.status, &s.note, &s.sourceID, &s.updatedAt)
	return s, err
}

// keep records the figure as it was before it is corrected or deleted.
func (h *history) keep(ctx context.Context, old stored, stamp string, ch Change, deleted bool) error {
	_, err := h.revise.ExecContext(ctx, old.id, old.value, old.valueWomen, old.valueMen, old.sampleSize, old.sampleSizeWomen,
		old.sampleSizeMen, old.status, old.note, old.sourceID, old.updatedAt, stamp, ch.Actor, ch.Reason, deleted)
	return err
}
