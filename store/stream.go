package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
)

// EachObservation calls fn for every stored observation that f lets through, in the order they were
// written, reading them one at a time, so an export of millions of rows runs in constant memory.
// Figures come suppressed as on every other path.
func (db *DB) EachObservation(ctx context.Context, c *Catalog, f ObservationFilter, fn func(*Observation) error) error {
	where, args, err := observationQuery(f, false)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, `SELECT `+observationColumns+` FROM observations o WHERE `+where+` ORDER BY o.seq`, args...)
	if err != nil {
		return fmt.Errorf("query observations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, _, err := db.scanObservation(rows, c)
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AddObservations writes a stream of new observations in one transaction, without holding them all in
// memory: the way to load a national data set. Each figure's metric, provider, municipality and source
// must exist (the database's foreign keys refuse it otherwise), and each must pass FigureProblems; if one
// does not, nothing is written. The
// observations' secondary indexes are dropped for the load and built again at the end, inside the same
// transaction: building an index once from sorted rows is much faster than growing it row by row.
// progress, if set, is called after every 100,000 rows.
func (db *DB) AddObservations(ctx context.Context, ch Change, observations iter.Seq2[*Observation, error], progress func(rows int)) (int, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.writeFigures(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		rebuild, err := dropIndexes(ctx, tx, "observations", "observations_key")
		if err != nil {
			return nil, err
		}
		// A large page cache for the load and the index builds; the connection goes back to every
		// connection's own (pageCacheKB) at the end.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			return nil, err
		}
		stmt, err := tx.PrepareContext(ctx, insertObservation)
		if err != nil {
			return nil, err
		}
		defer stmt.Close()
		for o, err := range observations {
			if err != nil {
				return nil, err
			}
			if ps := FigureProblems(o, c.Metric(o.MetricID)); len(ps) > 0 {
				for i := range ps {
					ps[i].Row = n + 1
				}
				return nil, &ProblemsError{Problems: ps}
			}
			if err := execInsertObservation(ctx, stmt, o, stamp); err != nil {
				return nil, err
			}
			if n++; progress != nil && n%100_000 == 0 {
				progress(n)
			}
		}
		for _, create := range rebuild {
			if _, err := tx.ExecContext(ctx, create); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, pageCacheKB)); err != nil {
			return nil, err
		}
		return map[string]int{"added": n}, nil
	})
	return n, err
}

// dropIndexes drops a table's indexes but keep and returns the statements that create them again.
func dropIndexes(ctx context.Context, tx *sql.Tx, table, keep string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL AND name <> ?2`, table, keep)
	if err != nil {
		return nil, err
	}
	var names, creates []string
	for rows.Next() {
		var name, create string
		if err := rows.Scan(&name, &create); err != nil {
			rows.Close()
			return nil, err
		}
		names, creates = append(names, name), append(creates, create)
	}
	rows.Close()
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, err
		}
	}
	return creates, rows.Err()
}
