package store

import (
	"context"
	"fmt"
)

// counted counts a read and tells the tracer, if there is one, what it was.
func (db *DB) counted(query string, args []any) {
	db.statements.Add(1)
	if trace := db.traced.Load(); trace != nil {
		(*trace)(query, args)
	}
}

// TraceReads has fn told the SQL and parameters of every read that follows, until it is called with
// nil, so a test can ask SQLite how it runs each of them (QueryPlan). fn must be safe to call from
// several goroutines at once.
func (db *DB) TraceReads(fn func(query string, args []any)) {
	if fn == nil {
		db.traced.Store(nil)
		return
	}
	db.traced.Store(&fn)
}

// QueryPlan returns how SQLite would run query with args: the detail of each line of EXPLAIN QUERY
// PLAN ("SEARCH o USING INDEX observations_by_period (period=? AND metric_id=?)", "SCAN providers"),
// indented two spaces per level.
func (db *DB) QueryPlan(ctx context.Context, query string, args []any) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	depth := map[int]int{0: 0}
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		depth[id] = depth[parent] + 1
		plan = append(plan, fmt.Sprintf("%*s%s", 2*(depth[id]-1), "", detail))
	}
	return plan, rows.Err()
}
