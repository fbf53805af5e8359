package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Revision is a former version of a figure: what it said, from when, and who replaced it, when and why.
type Revision struct {
	Observation   // the figure as it was, suppressed like any figure
	ObservationID string
	ValidFrom     time.Time
	ReplacedAt    time.Time
	ReplacedBy    string
	Reason        *string
	Deleted       bool
}

// Revisions returns the former versions of each of the observations, oldest first, in one statement.
func (db *DB) Revisions(ctx context.Context, c *Catalog, observationIDs []string) (map[string][]*Revision, error) {
	list, _ := json.Marshal(observationIDs)
	rows, err := db.query(ctx, `SELECT observation_id, value, value_women, value_men, sample_size, sample_size_women, sample_size_men,
			status, note, source_id, valid_from, replaced_at, replaced_by, reason, deleted
		FROM observation_revisions WHERE observation_id IN (SELECT value FROM json_each(?1))
		ORDER BY observation_id, seq`, string(list))
	if err != nil {
		return nil, fmt.Errorf("query revisions: %w", err)
	}
	defer rows.Close()
	out := map[string][]*Revision{}
	for rows.Next() {
		r := &Revision{Observation: Observation{catalog: c}}
		o := &r.Observation
		var from, at string
		if err := rows.Scan(&r.ObservationID, &o.Value, &o.ValueWomen, &o.ValueMen, &o.SampleSize, &o.SampleSizeWomen, &o.SampleSizeMen,
			&o.Status, &o.Note, &o.SourceID, &from, &at, &r.ReplacedBy, &r.Reason, &r.Deleted); err != nil {
			return nil, err
		}
		db.suppress(o)
		r.ValidFrom, r.ReplacedAt = parseTime(from), parseTime(at)
		out[r.ObservationID] = append(out[r.ObservationID], r)
	}
	return out, rows.Err()
}

// AuditEntry is one write: when, by whom, what, and a JSON summary of what changed.
type AuditEntry struct {
	Seq       int64
	At        time.Time
	Actor     string
	Operation string
	Summary   string
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Edges    []AuditEdge
	PageInfo PageInfo
}

// AuditEdge is an audit entry with its cursor.
type AuditEdge struct {
	Cursor string
	Node   *AuditEntry
}

// Nodes returns the page's entries.
func (p *AuditPage) Nodes() []*AuditEntry {
	nodes := make([]*AuditEntry, len(p.Edges))
	for i, e := range p.Edges {
		nodes[i] = e.Node
	}
	return nodes
}

// AuditLog returns the audit log, newest first, a page at a time (forwards only).
func (db *DB) AuditLog(ctx context.Context, first *int, after *string) (*AuditPage, error) {
	const order = "SEQ DESC"
	w, err := checkPage(PageArgs{First: first, After: after}, order, DefaultObservationPage, MaxObservationPage)
	if err != nil {
		return nil, err
	}
	before := int64(1) << 62
	if w.after != nil {
		if len(w.after.keys) != 1 {
			return nil, inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
		if before, err = strconv.ParseInt(w.after.keys[0], 10, 64); err != nil {
			return nil, inputErrorf("invalid cursor: pass a cursor exactly as an earlier page gave it")
		}
	}
	rows, err := db.query(ctx, `SELECT seq, at, actor, operation, summary FROM audit_log WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2`,
		before, w.limit+1)
	if err != nil {
		return nil, fmt.Errorf("query audit log: %w", err)
	}
	defer rows.Close()
	page := &AuditPage{}
	for rows.Next() {
		e := new(AuditEntry)
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Operation, &e.Summary); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		page.Edges = append(page.Edges, AuditEdge{Cursor: cursor{order: order, keys: []string{strconv.FormatInt(e.Seq, 10)}}.String(), Node: e})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page.Edges, page.PageInfo = trimPage(w, page.Edges, func(e AuditEdge) string { return e.Cursor })
	return page, nil
}
