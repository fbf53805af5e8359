package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// DryRun checks and counts everything and then writes nothing.
	DryRun bool
	// Progress, if set, is called after every 10,000 rows handled, before the transaction commits.
	Progress func(rows int)
	// Remove lists figures the source no longer publishes (Kolada's isdeleted), by metric, subject and
	// period: each is deleted, with its history kept and a tombstone for mirrors, if it is stored with
	// the same source; a figure not stored, or stored from another source, is left as it is.
	Remove []*Observation
	// SyncMark, if set, records in the same transaction when a synchronisation with an outside source
	// started, so the next run can ask for what changed since. It is kept even when no figure changed.
	SyncMark *SyncMark
}

// SyncMark says when a named synchronisation (such as "kolada") started.
type SyncMark struct {
	Name      string
	StartedAt time.Time
}

// ImportResult says what an import changed, or in a dry run would change.
type ImportResult struct {
	Added, Changed, Deleted, Unchanged int
	DryRun                             bool
}

// maxAuditIDs bounds how many IDs one audit entry lists; the counts are always complete.
const maxAuditIDs = 1000

// ImportObservations adds or corrects observations, keyed by metric, subject and period, and removes
// those of opts.Remove, in one transaction. The whole batch is checked first, on its own (checkBatch)
// and against the stored data (parts of a whole, and no invented figure made real by a change of its
// source), and if any row has a problem nothing is written and every problem is listed (a
// ProblemsError). A corrected or removed figure keeps its former version in its history, with who
// changed it and why; a figure identical to the stored one is left alone, so importing the same file
// twice changes nothing, not even the data version. A dry run checks and counts everything and then
// writes nothing.
func (db *DB) ImportObservations(ctx context.Context, ch Change, obs []*Observation, opts ImportOptions) (ImportResult, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if len(obs)+len(opts.Remove) == 0 && opts.SyncMark == nil {
		return ImportResult{}, &ProblemsError{Problems: []Problem{{Message: "the batch holds no observations"}}}
	}
	if err := c.checkBatch(obs); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = db.writeFigures(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		res = ImportResult{DryRun: opts.DryRun}
		im, err := newImporter(ctx, tx, c, ch, stamp)
		if err != nil {
			return nil, err
		}
		defer im.close()
		for i, o := range obs {
			if opts.Progress != nil && i > 0 && i%10_000 == 0 {
				opts.Progress(i)
			}
			if err := im.put(i+1, o, &res); err != nil {
				return nil, err
			}
		}
		for _, o := range opts.Remove {
			if err := im.remove(o, &res); err != nil {
				return nil, err
			}
		}
		if err := im.checkWholes(obs); err != nil {
			return nil, err
		}
		if err := im.problems.err(); err != nil {
			return nil, err
		}
		if m := opts.SyncMark; m != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sync_marks (name, started_at) VALUES (?1, ?2)
				ON CONFLICT (name) DO UPDATE SET started_at = ?2`, m.Name, m.StartedAt.UTC().Format(time.RFC3339Nano)); err != nil {
				return nil, err
			}
		}
		switch {
		case opts.DryRun:
			return nil, errDryRun
		case res.Added+res.Changed+res.Deleted == 0 && opts.SyncMark != nil:
			return nil, errOnlyBookkeeping
		case res.Added+res.Changed+res.Deleted == 0:
			return nil, errUnchanged
		}
		return map[string]any{"added": res.Added, "changed": res.Changed, "deleted": res.Deleted, "unchanged": res.Unchanged,
			"addedIds": im.added, "changedIds": im.changed, "deletedIds": im.deleted}, nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// SyncMarkOf returns when the named synchronisation last started, or false if it never ran.
func (db *DB) SyncMarkOf(ctx context.Context, name string) (time.Time, bool, error) {
	var at string
	err := db.queryRow(ctx, `SELECT started_at FROM sync_marks WHERE name = ?1`, name).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return parseTime(at), err == nil, err
}

// importer writes one import's figures inside its transaction.
type importer struct {
	ctx                     context.Context
	tx                      *sql.Tx
	c                       *Catalog
	ch                      Change
	stamp                   string
	h                       *history
	insert, update, unbury  *sql.Stmt
	lastRevision            *sql.Stmt
	added, changed, deleted []string
	problems                problems
}

func newImporter(ctx context.Context, tx *sql.Tx, c *Catalog, ch Change, stamp string) (*importer, error) {
	im := &importer{ctx: ctx, tx: tx, c: c, ch: ch, stamp: stamp}
	var err error
	if im.h, err = prepareHistory(ctx, tx); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&im.insert, insertObservation},
		{&im.update, `UPDATE observations SET value = ?4, value_women = ?5, value_men = ?6,
				sample_size = ?7, sample_size_women = ?8, sample_size_men = ?9, status = ?10, note = ?11, source_id = ?12, updated_at = ?13
			WHERE metric_id = ?1 AND coalesce(provider_id, municipality_code) = ?2 AND period = ?3`},
		{&im.unbury, `DELETE FROM tombstones WHERE id = ?1`},
		{&im.lastRevision, `SELECT observation_id, value, value_women, value_men, sample_size, sample_size_women, sample_size_men,
				status, note, source_id, valid_from
			FROM observation_revisions WHERE observation_id = ?1 ORDER BY seq DESC LIMIT 1`},
	} {
		if *p.stmt, err = tx.PrepareContext(ctx, p.sql); err != nil {
			im.close()
			return nil, err
		}
	}
	return im, nil
}

func (im *importer) close() {
	im.h.close()
	for _, s := range []*sql.Stmt{im.insert, im.update, im.unbury, im.lastRevision} {
		if s != nil {
			s.Close()
		}
	}
}

// put adds o, corrects the stored figure with it, or finds it unchanged.
func (im *importer) put(row int, o *Observation, res *ImportResult) error {
	old, err := im.h.current(im.ctx, o.MetricID, subjectOf(o), o.Period)
	switch {
	case err == nil && sameFigure(old, o):
		res.Unchanged++
	case err == nil:
		im.checkRelabel(row, old, o)
		if err := im.h.keep(im.ctx, old, im.stamp, im.ch, false); err != nil {
			return err
		}
		_, err := im.update.ExecContext(im.ctx, o.MetricID, subjectOf(o), o.Period, o.Value, o.ValueWomen, o.ValueMen,
			o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen, o.Status, o.Note, o.SourceID, im.stamp)
		if err != nil {
			return fmt.Errorf("correct %s: %w", o.ID(), err)
		}
		res.Changed++
		im.changed = appendCapped(im.changed, o.ID())
	case errors.Is(err, sql.ErrNoRows):
		// A figure deleted before comes back: it must not come back as real if it was invented.
		var gone stored
		err := im.lastRevision.QueryRowContext(im.ctx, o.ID()).Scan(&gone.id, &gone.value, &gone.valueWomen, &gone.valueMen,
			&gone.sampleSize, &gone.sampleSizeWomen, &gone.sampleSizeMen, &gone.status, &gone.note, &gone.sourceID, &gone.updatedAt)
		if err == nil {
			im.checkRelabel(row, gone, o)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := execInsertObservation(im.ctx, im.insert, o, im.stamp); err != nil {
			return err
		}
		if _, err := im.unbury.ExecContext(im.ctx, o.ID()); err != nil {
			return err
		}
		res.Added++
		im.added = appendCapped(im.added, o.ID())
	default:
		return err
	}
	return nil
}

// checkRelabel refuses to make an invented figure real by a change of source alone: a figure whose
// stored (or last deleted) version is attributed to an illustrative source cannot come back with the
// same values under a source that is not illustrative. Real figures come with real values.
func (im *importer) checkRelabel(row int, old stored, o *Observation) {
	if im.c.Illustrative(old.sourceID) && !im.c.Illustrative(o.SourceID) && sameValues(old, o) {
		im.problems.add(row, "source", "the figure with these values is invented (%s is illustrative); "+
			"the same values cannot become real under %s: bring the real figure, or keep the illustrative source", old.sourceID, o.SourceID)
	}
}

// remove deletes the stored figure o names if it comes from o's source.
func (im *importer) remove(o *Observation, res *ImportResult) error {
	old, err := im.h.current(im.ctx, o.MetricID, subjectOf(o), o.Period)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err == nil && old.sourceID != o.SourceID:
		res.Unchanged++
		return nil
	case err != nil:
		return err
	}
	if err := deleteStored(im.ctx, im.tx, im.h, old, o.MetricID, subjectOf(o), o.Period, im.ch, im.stamp); err != nil {
		return err
	}
	res.Deleted++
	im.deleted = appendCapped(im.deleted, old.id)
	return nil
}

// checkWholes reads, once the batch is written, the stored figures of every whole the batch touches
// and refuses the batch where the parts of a whole add up to more than 100 %.
func (im *importer) checkWholes(obs []*Observation) error {
	type key struct{ whole, subject, period string }
	rows := map[key]int{}
	var order []key
	for i, o := range obs {
		if m := im.c.Metric(o.MetricID); m != nil && m.Whole != nil {
			k := key{*m.Whole, subjectOf(o), o.Period}
			if _, ok := rows[k]; !ok {
				order = append(order, k)
			}
			rows[k] = i + 1
		}
	}
	if len(order) == 0 {
		return nil
	}
	stmt, err := im.tx.PrepareContext(im.ctx, `SELECT metric_id, provider_id, municipality_code, period, value, value_women, value_men
		FROM observations WHERE coalesce(provider_id, municipality_code) = ?1 AND period = ?2
			AND metric_id IN (SELECT id FROM metrics WHERE whole = ?3)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, k := range order {
		parts, err := scanParts(im.ctx, stmt, k.subject, k.period, k.whole)
		if err != nil {
			return err
		}
		at := make([]int, len(parts))
		for i := range at {
			at[i] = rows[k]
		}
		im.problems = append(im.problems, wholeProblems(parts, at, im.c.Metric)...)
	}
	return nil
}

func scanParts(ctx context.Context, stmt *sql.Stmt, args ...any) ([]*Observation, error) {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var parts []*Observation
	for rows.Next() {
		o := new(Observation)
		if err := rows.Scan(&o.MetricID, &o.ProviderID, &o.MunicipalityCode, &o.Period, &o.Value, &o.ValueWomen, &o.ValueMen); err != nil {
			return nil, err
		}
		parts = append(parts, o)
	}
	return parts, rows.Err()
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
	return sameValues(old, o) && old.status == o.Status && eq(old.note, o.Note) && old.sourceID == o.SourceID
}

// sameValues reports whether a stored figure has o's values and sample sizes.
func sameValues(old stored, o *Observation) bool {
	return eq(old.value, o.Value) && eq(old.valueWomen, o.ValueWomen) && eq(old.valueMen, o.ValueMen) &&
		eq(old.sampleSize, o.SampleSize) && eq(old.sampleSizeWomen, o.SampleSizeWomen) && eq(old.sampleSizeMen, o.SampleSizeMen)
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
