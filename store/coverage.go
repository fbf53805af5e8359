package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Coverage is what the data set covers, for its description to data portals: the first and the last
// day of its figures' periods (nil when there are none), and the places its figures and providers are
// about, by code.
type Coverage struct {
	First, Last *Date
	Places      []string
}

// Coverage reads what the data set covers.
func (db *DB) Coverage(ctx context.Context) (Coverage, error) {
	var cov Coverage
	var first, last sql.Null[string]
	if err := db.queryRow(ctx, `SELECT min(period_start), max(period_end) FROM observations`).Scan(&first, &last); err != nil {
		return cov, fmt.Errorf("coverage: %w", err)
	}
	if first.Valid && last.Valid {
		f, l := Date(first.V), Date(last.V)
		cov.First, cov.Last = &f, &l
	}
	rows, err := db.query(ctx, `SELECT municipality_code FROM observations UNION SELECT municipality_code FROM providers ORDER BY 1`)
	if err != nil {
		return cov, fmt.Errorf("coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return cov, err
		}
		cov.Places = append(cov.Places, code)
	}
	return cov, rows.Err()
}
