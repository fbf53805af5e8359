package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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

// Revisions returns the former versions of each of the observations, oldest first, in one statement. A
// former version is withheld by the threshold as any figure is, and also whenever the figure is withheld
// now: its old value beside today's other figures could give today's value back.
func (db *DB) Revisions(ctx context.Context, c *Catalog, observationIDs []string) (map[string][]*Revision, error) {
	type key struct{ ID, Metric, Subject, Period string }
	var keys []key
	for _, id := range observationIDs {
		_, k, _ := strings.Cut(id, ":")
		metric, provider, municipality, period, ok := parseObservationKey(k)
		if !ok {
			continue
		}
		keys = append(keys, key{id, metric, cmp.Or(deref(provider), municipality), period})
	}
	list, _ := json.Marshal(keys)
	rows, err := db.query(ctx, `SELECT r.observation_id, r.value, r.value_women, r.value_men, r.sample_size, r.sample_size_women, r.sample_size_men,
			r.status, r.note, r.source_id, r.valid_from, r.replaced_at, r.replaced_by, r.reason, r.deleted, o.suppression, o.gender_suppression
		FROM json_each(?1) k
		JOIN observation_revisions r ON r.observation_id = k.value ->> 'ID'
		LEFT JOIN observations o ON o.metric_id = k.value ->> 'Metric'
			AND coalesce(o.provider_id, o.municipality_code) = k.value ->> 'Subject' AND o.period = k.value ->> 'Period'
		ORDER BY r.observation_id, r.seq`, string(list))
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
			&o.Status, &o.Note, &o.SourceID, &from, &at, &r.ReplacedBy, &r.Reason, &r.Deleted, &o.SuppressionReason, &o.GenderSuppressionReason); err != nil {
			return nil, err
		}
		_, k, _ := strings.Cut(r.ObservationID, ":")
		o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period, _ = parseObservationKey(k)
		total, genders := primaryReasons(tableFigure{metric: c.Metric(o.MetricID), provider: deref(o.ProviderID), genders: o.ValueWomen != nil || o.ValueMen != nil,
			n: [3]*int{o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen}}, c.Info.SuppressBelow)
		o.SuppressionReason = cmp.Or(o.SuppressionReason, reasonOf(total))
		o.GenderSuppressionReason = cmp.Or(o.GenderSuppressionReason, reasonOf(genders))
		c.suppress(o)
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
