package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
		found, err := im.findStored(obs)
		if err != nil {
			return nil, err
		}
		for i, o := range obs {
			if opts.Progress != nil && i > 0 && i%10_000 == 0 {
				opts.Progress(i)
			}
			if err := im.put(i+1, o, found, &res); err != nil {
				return nil, err
			}
		}
		// Before the removals, which read the figures as the batch leaves them.
		if err := im.correct(); err != nil {
			return nil, err
		}
		for _, o := range opts.Remove {
			if err := im.remove(o, &res); err != nil {
				return nil, err
			}
		}
		if err := im.checkWholes(obs, opts.Remove); err != nil {
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

// importer writes one import's figures inside its transaction. It reads the stored figures of the whole
// batch first, in a few statements in the order of their index, and corrects them last, by row in the
// order they are stored, in one statement per 10,000, their former versions (as read) kept in another:
// where each figure took a lookup, a revision and an update (each searching observations_key) in the
// batch's order, it takes a share of two statements.
type importer struct {
	ctx                     context.Context
	tx                      *sql.Tx
	c                       *Catalog
	ch                      Change
	stamp                   string
	h                       *history
	find, insert, unbury    *sql.Stmt
	update, revise          *sql.Stmt
	lastRevision            *sql.Stmt
	corrections             []correction
	added, changed, deleted []string
	problems                problems
}

// correction is a stored figure (by its row, and as it is) and what replaces it.
type correction struct {
	seq int64
	old stored
	o   *Observation
}

// findBatch is how many figures findStored looks up in one statement.
const findBatch = 10_000

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
		{&im.find, findStoredFigures},
		{&im.insert, insertObservation},
		{&im.update, correctFigures},
		{&im.revise, reviseFigures},
		{&im.unbury, unburyFigure},
		{&im.lastRevision, lastRevision},
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
	for _, s := range []*sql.Stmt{im.find, im.insert, im.update, im.revise, im.unbury, im.lastRevision} {
		if s != nil {
			s.Close()
		}
	}
}

// The statements of an import. Each searches observations_key or the rowid (TestImportSearchesIndexes).
const (
	// findStoredFigures reads the stored figures whose keys ?1 lists as a JSON array of [metric, subject,
	// period], keyed by their position in it.
	findStoredFigures = `SELECT k.key, o.seq, ` + observationIDExpr + `, o.value, o.value_women, o.value_men,
			o.sample_size, o.sample_size_women, o.sample_size_men, o.status, o.note, o.source_id, o.updated_at
		FROM jsonb_each(?1) k CROSS JOIN observations o
		WHERE o.metric_id = k.value ->> 0 AND coalesce(o.provider_id, o.municipality_code) = k.value ->> 1 AND o.period = k.value ->> 2`
	// reviseFigures keeps the former versions ?1 lists as a JSON array of [ID, value, value for women, for
	// men, sample size, for women, for men, status, note, source, updated at], as history.keep does: the
	// import has read them already (findStored), so it reads no page of observations again.
	reviseFigures = `INSERT INTO observation_revisions (observation_id, value, value_women, value_men,
			sample_size, sample_size_women, sample_size_men, status, note, source_id, valid_from, replaced_at, replaced_by, reason, deleted)
		SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6,
			r.value ->> 7, r.value ->> 8, r.value ->> 9, r.value ->> 10, ?2, ?3, ?4, 0
		FROM jsonb_each(?1) AS r`
	// correctFigures corrects the figures ?1 lists as a JSON array of [row, value, value for women, for
	// men, sample size, for women, for men, status, note, source], stamped ?2: one statement for
	// thousands, where one each cost a round trip through database/sql and the driver (jsonb_each hands
	// each row on as JSONB, which ->> reads without parsing its text again). A JSON number
	// that is whole comes out as an INTEGER, which the REAL columns of the STRICT table store as REAL.
	correctFigures = `UPDATE observations SET value = c.value ->> 1, value_women = c.value ->> 2, value_men = c.value ->> 3,
			sample_size = c.value ->> 4, sample_size_women = c.value ->> 5, sample_size_men = c.value ->> 6,
			status = c.value ->> 7, note = c.value ->> 8, source_id = c.value ->> 9, updated_at = ?2
		FROM jsonb_each(?1) AS c WHERE observations.seq = c.value ->> 0`
	// unburyFigure takes the tombstone of a figure, by its ID, away when it comes back.
	unburyFigure = `DELETE FROM tombstones WHERE id = ?1`
	// findWholeParts reads the stored parts of wholes whose keys ?1 lists as a JSON array of [metric,
	// subject, period], keyed by their position in it.
	findWholeParts = `SELECT k.key, o.metric_id, o.provider_id, o.municipality_code, o.period, o.value, o.value_women, o.value_men
		FROM jsonb_each(?1) k CROSS JOIN observations o
		WHERE o.metric_id = k.value ->> 0 AND coalesce(o.provider_id, o.municipality_code) = k.value ->> 1 AND o.period = k.value ->> 2`
	// lastRevision reads the last version kept of a figure, by its ID: one that comes back after it was deleted.
	lastRevision = `SELECT observation_id, value, value_women, value_men, sample_size, sample_size_women, sample_size_men,
			status, note, source_id, valid_from
		FROM observation_revisions WHERE observation_id = ?1 ORDER BY seq DESC LIMIT 1`
)

// findStored reads the stored figures of obs, by their position in it, in the order of observations_key
// so that each page of the index is read once; a figure not stored is missing.
func (im *importer) findStored(obs []*Observation) (map[int]storedRow, error) {
	order := make([]int, len(obs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := obs[a], obs[b]
		return cmp.Or(cmp.Compare(x.MetricID, y.MetricID), cmp.Compare(subjectOf(x), subjectOf(y)), cmp.Compare(x.Period, y.Period))
	})
	keys := make([][3]string, len(order))
	for i, at := range order {
		o := obs[at]
		keys[i] = [3]string{o.MetricID, subjectOf(o), o.Period}
	}
	found := make(map[int]storedRow, len(obs))
	err := queryByKeys(im.ctx, im.find, keys, func(rows *sql.Rows, first int) error {
		var at int
		var r storedRow
		s := &r.stored
		if err := rows.Scan(&at, &r.seq, &s.id, &s.value, &s.valueWomen, &s.valueMen, &s.sampleSize, &s.sampleSizeWomen,
			&s.sampleSizeMen, &s.status, &s.note, &s.sourceID, &s.updatedAt); err != nil {
			return err
		}
		found[order[first+at]] = r
		return nil
	})
	return found, err
}

// queryByKeys runs stmt, whose ?1 is a JSON array of [metric, subject, period] keys, over keys findBatch
// at a time. scan reads each row, whose first column is its key's position in the chunk; first is the
// chunk's position in keys.
func queryByKeys(ctx context.Context, stmt *sql.Stmt, keys [][3]string, scan func(rows *sql.Rows, first int) error) error {
	for first := 0; first < len(keys); first += findBatch {
		list, err := json.Marshal(keys[first:min(first+findBatch, len(keys))])
		if err != nil {
			return err
		}
		rows, err := stmt.QueryContext(ctx, string(list))
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows, first); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// storedRow is a stored figure and its row.
type storedRow struct {
	seq    int64
	stored stored
}

// put adds the batch's figure at row (from 1), queues the correction of the stored figure (found, by
// position in the batch) with it, or finds it unchanged.
func (im *importer) put(row int, o *Observation, found map[int]storedRow, res *ImportResult) error {
	old, ok := found[row-1]
	switch {
	case ok && sameFigure(old.stored, o):
		res.Unchanged++
	case ok:
		im.checkRelabel(row, old.stored, o)
		im.corrections = append(im.corrections, correction{old.seq, old.stored, o})
		res.Changed++
		im.changed = appendCapped(im.changed, o.ID())
	default:
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
	}
	return nil
}

// correct writes the queued corrections, in the order the figures are stored, each figure's former
// version kept in its history first.
func (im *importer) correct() error {
	if len(im.corrections) == 0 {
		return nil
	}
	slices.SortFunc(im.corrections, func(a, b correction) int { return cmp.Compare(a.seq, b.seq) })
	for chunk := range slices.Chunk(im.corrections, findBatch) {
		kept, rows := make([][11]any, len(chunk)), make([][10]any, len(chunk))
		for i, c := range chunk {
			s, o := c.old, c.o
			kept[i] = [11]any{s.id, s.value, s.valueWomen, s.valueMen, s.sampleSize, s.sampleSizeWomen, s.sampleSizeMen, s.status, s.note, s.sourceID, s.updatedAt}
			rows[i] = [10]any{c.seq, o.Value, o.ValueWomen, o.ValueMen, o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen, o.Status, o.Note, o.SourceID}
		}
		list, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		if _, err := im.revise.ExecContext(im.ctx, string(list), im.stamp, im.ch.Actor, im.ch.Reason); err != nil {
			return err
		}
		if list, err = json.Marshal(rows); err != nil {
			return err
		}
		if _, err := im.update.ExecContext(im.ctx, string(list), im.stamp); err != nil {
			return fmt.Errorf("correct figures: %w", err)
		}
	}
	im.corrections = nil
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
// and refuses the batch where the parts of a whole add up to more than 100 %. A part the batch holds
// (and does not remove) is stored as the batch has it; it asks for the others (the catalog's metrics
// of the whole) by their keys, findBatch keys to a statement (findWholeParts), and takes the parts in
// the order of the wholes, so the problems come in the order they did with one query per whole.
func (im *importer) checkWholes(obs, removed []*Observation) error {
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
	partsOf := map[string][]string{} // whole → its parts' metric IDs, sorted
	for _, m := range im.c.metrics {
		if m.Whole != nil {
			partsOf[*m.Whole] = append(partsOf[*m.Whole], m.ID)
		}
	}
	for _, ids := range partsOf {
		slices.Sort(ids)
	}
	inBatch := make(map[[3]string]*Observation, len(obs))
	for _, o := range obs {
		inBatch[[3]string{o.MetricID, subjectOf(o), o.Period}] = o
	}
	for _, o := range removed {
		delete(inBatch, [3]string{o.MetricID, subjectOf(o), o.Period})
	}
	// Each part of each whole, in the order of the wholes; the row its problems are reported under.
	var parts []*Observation
	var at []int
	var keys [][3]string
	var keyPart []int // the place in parts of each key to ask for
	for _, k := range order {
		for _, id := range partsOf[k.whole] {
			key := [3]string{id, k.subject, k.period}
			if o := inBatch[key]; o == nil {
				keys, keyPart = append(keys, key), append(keyPart, len(parts))
			}
			parts, at = append(parts, inBatch[key]), append(at, rows[k])
		}
	}
	stmt, err := im.tx.PrepareContext(im.ctx, findWholeParts)
	if err != nil {
		return err
	}
	defer stmt.Close()
	err = queryByKeys(im.ctx, stmt, keys, func(rows *sql.Rows, first int) error {
		var i int
		o := new(Observation)
		if err := rows.Scan(&i, &o.MetricID, &o.ProviderID, &o.MunicipalityCode, &o.Period, &o.Value, &o.ValueWomen, &o.ValueMen); err != nil {
			return err
		}
		parts[keyPart[first+i]] = o
		return nil
	})
	if err != nil {
		return err
	}
	// A part neither in the batch nor stored is left out.
	n := 0
	for i, o := range parts {
		if o != nil {
			parts[n], at[n] = o, at[i]
			n++
		}
	}
	parts, at = parts[:n], at[:n]
	im.problems = append(im.problems, wholeProblems(parts, at, im.c.Metric)...)
	return nil
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
