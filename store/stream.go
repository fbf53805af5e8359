package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
)

// EachObservation calls fn for every stored observation in the order they were written, reading them
// one at a time, so an export of millions of rows runs in constant memory. Figures come suppressed as
// on every other path.
func (db *DB) EachObservation(ctx context.Context, fn func(*Observation) error) error {
	rows, err := db.query(ctx, `SELECT `+observationColumns+` FROM observations o ORDER BY o.seq`)
	if err != nil {
		return fmt.Errorf("query observations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, _, err := db.scanObservation(rows)
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
// must exist (the database's foreign keys refuse it otherwise, and then nothing is written).
func (db *DB) AddObservations(ctx context.Context, ch Change, observations iter.Seq2[*Observation, error]) (int, error) {
	n := 0
	err := db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		stmt, err := tx.PrepareContext(ctx, insertObservation)
		if err != nil {
			return nil, err
		}
		defer stmt.Close()
		for o, err := range observations {
			if err != nil {
				return nil, err
			}
			if err := execInsertObservation(ctx, stmt, o, stamp); err != nil {
				return nil, err
			}
			n++
		}
		return map[string]int{"added": n}, nil
	})
	return n, err
}
