package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Deletion records that an object was deleted, so mirrors can delete it too.
type Deletion struct {
	ID        string
	Type      string
	DeletedAt time.Time
}

// DeletionPage is one page of deletions, oldest first.
type DeletionPage struct {
	Edges    []DeletionEdge
	PageInfo PageInfo
}

// DeletionEdge is a deletion with its cursor.
type DeletionEdge struct {
	Cursor string
	Node   *Deletion
}

// Nodes returns the page's deletions.
func (p *DeletionPage) Nodes() []*Deletion {
	nodes := make([]*Deletion, len(p.Edges))
	for i, e := range p.Edges {
		nodes[i] = e.Node
	}
	return nodes
}

// Deletions returns the objects deleted after since (all of them when since is nil), oldest
// first, one page at a time. Pages only go forwards: a mirror reads them in order.
func (db *DB) Deletions(ctx context.Context, since *time.Time, first *int, after *string) (*DeletionPage, error) {
	w, err := checkPage(PageArgs{First: first, After: after}, "DELETED_AT ASC", DefaultObservationPage, MaxObservationPage)
	if err != nil {
		return nil, err
	}
	from := ""
	if since != nil {
		from = since.UTC().Format(time.RFC3339Nano)
	}
	afterTime, afterSeq := "", int64(0)
	if w.after != nil {
		if len(w.after.keys) != 2 {
			return nil, inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
		afterTime = w.after.keys[0]
		if afterSeq, err = strconv.ParseInt(w.after.keys[1], 10, 64); err != nil {
			return nil, inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
	}
	rows, err := db.query(ctx, `SELECT seq, id, type, deleted_at FROM tombstones
		WHERE deleted_at > ?1 AND (deleted_at, seq) > (?2, ?3)
		ORDER BY deleted_at, seq LIMIT ?4`, from, afterTime, afterSeq, w.limit+1)
	if err != nil {
		return nil, fmt.Errorf("query deletions: %w", err)
	}
	defer rows.Close()
	page := &DeletionPage{}
	for rows.Next() {
		d := new(Deletion)
		var seq int64
		var at string
		if err := rows.Scan(&seq, &d.ID, &d.Type, &at); err != nil {
			return nil, err
		}
		d.DeletedAt = parseTime(at)
		c := cursor{order: "DELETED_AT ASC", keys: []string{at, strconv.FormatInt(seq, 10)}}.String()
		page.Edges = append(page.Edges, DeletionEdge{Cursor: c, Node: d})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page.Edges, page.PageInfo = trimPage(w, page.Edges, func(e DeletionEdge) string { return e.Cursor })
	return page, nil
}

// DeleteObservations deletes the observations with the given global IDs in one transaction, keeping
// each in its history and leaving a tombstone for mirrors. An ID that names no stored observation is a
// problem, and then nothing is deleted.
func (db *DB) DeleteObservations(ctx context.Context, ch Change, ids []string) error {
	var required problems
	if len(ids) == 0 {
		required.add(0, "ids", "no IDs to delete")
	}
	requireReason(&required, ch)
	if err := required.err(); err != nil {
		return err
	}
	return db.writeFigures(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		h, err := prepareHistory(ctx, tx)
		if err != nil {
			return nil, err
		}
		defer h.close()
		var ps problems
		for i, id := range ids {
			typ, key, err := ParseID(id)
			metric, provider, municipality, period, ok := parseObservationKey(key)
			if err != nil || typ != "Observation" || !ok {
				ps.add(i+1, "id", "%q is not an observation ID", truncate(id))
				continue
			}
			subject := municipality
			if provider != nil {
				subject = *provider
			}
			old, err := h.current(ctx, metric, subject, period)
			if errors.Is(err, sql.ErrNoRows) {
				ps.add(i+1, "id", "no observation has the ID %q", truncate(id))
				continue
			} else if err != nil {
				return nil, err
			}
			if err := deleteStored(ctx, tx, h, old, metric, subject, period, ch, stamp); err != nil {
				return nil, err
			}
		}
		if err := ps.err(); err != nil {
			return nil, err
		}
		return map[string]any{"deleted": len(ids), "deletedIds": ids}, nil
	})
}

// deleteStored deletes a stored figure, keeping it in its history and leaving a tombstone for mirrors.
func deleteStored(ctx context.Context, tx *sql.Tx, h *history, old stored, metric, subject, period string, ch Change, stamp string) error {
	if err := h.keep(ctx, old, stamp, ch, true); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM observations
		WHERE metric_id = ?1 AND coalesce(provider_id, municipality_code) = ?2 AND period = ?3`, metric, subject, period); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tombstones (id, type, deleted_at) VALUES (?1, 'Observation', ?2)`, old.id, stamp)
	return err
}

// observationIDExpr is an observation's global ID in SQL, as ObservationID builds it in Go.
const observationIDExpr = `'Observation:' || substr(metric_id, 8) || '/' ||
	coalesce(substr(provider_id, 10), municipality_code) || '/' || period`
