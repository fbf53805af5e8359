package store

import (
	"strings"
	"testing"
)

// TestImportSearchesIndexes checks that no statement an import runs for its figures, nor the reading and
// writing of suppression after it, scans a table: each searches the index or the rowid named, with
// every column the statement knows, so an import's cost follows its figures (and their groups), not the
// size of the data set. The JSON arrays the set-wise statements take are scanned, and only they.
func TestImportSearchesIndexes(t *testing.T) {
	db := openTestDB(t, smallDataset())
	keys := `[["Metric:sfi-pass-rate","Provider:p1","2018"]]`
	for _, s := range []struct {
		name, sql string
		args      []any
		search    string // the line of the plan that finds the rows
	}{
		{"findStoredFigures", findStoredFigures, []any{keys},
			"SEARCH o USING INDEX observations_key (metric_id=? AND <expr>=? AND period=?)"},
		{"findWholeParts", findWholeParts, []any{keys},
			"SEARCH o USING INDEX observations_key (metric_id=? AND <expr>=? AND period=?)"},
		{"reviseFigures", reviseFigures, []any{`[["Observation:sfi-pass-rate/p1/2018", 61.0, null, null, 21, null, null, "FINAL", null, "Source:test", "2026-01-01T00:00:00Z"]]`,
			"2026-01-02T00:00:00Z", "tester", nil},
			"SCAN r VIRTUAL TABLE INDEX 1:"}, // it reads its list alone, no table
		{"correctFigures", correctFigures, []any{`[[1, 1.0, null, null, 30, null, null, "FINAL", null, "Source:test"]]`, "2026-01-01T00:00:00Z"},
			"SEARCH observations USING INTEGER PRIMARY KEY (rowid=?)"},
		{"lastRevision", lastRevision, []any{"Observation:sfi-pass-rate/p1/2018"},
			"SEARCH observation_revisions USING INDEX observation_revisions_by_id (observation_id=?)"},
		{"unburyFigure", unburyFigure, []any{"Observation:sfi-pass-rate/p1/2018"},
			"SEARCH tombstones USING INDEX tombstones_by_id (id=?)"},
		{"readGroup", readGroup, []any{"0183", `["Metric:sfi-pass-rate"]`, "2018-01-01", "2018-12-31"},
			"SEARCH observations USING INDEX observations_by_group (municipality_code=? AND metric_id=? AND period_start>? AND period_start<?)"},
		{"decideFigures", decideFigures, []any{`[[1, "TOO_FEW_INDIVIDUALS", null]]`, "2026-01-01T00:00:00Z"},
			"SEARCH observations USING INTEGER PRIMARY KEY (rowid=?)"},
	} {
		plan, err := db.QueryPlan(t.Context(), s.sql, s.args)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		searched := false
		for _, line := range plan {
			l := strings.TrimSpace(line)
			if strings.HasPrefix(l, "SCAN") && !strings.Contains(l, "VIRTUAL TABLE") {
				t.Errorf("%s scans a table:\n%s", s.name, strings.Join(plan, "\n"))
			}
			searched = searched || l == s.search
		}
		if !searched {
			t.Errorf("%s does not %s:\n%s", s.name, s.search, strings.Join(plan, "\n"))
		}
	}
}
