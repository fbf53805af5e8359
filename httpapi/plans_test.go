package httpapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// bigTables grow with the country: a statement that reads one of them from end to end costs in
// proportion to the data set, not to its answer.
var bigTables = []string{"observations", "observation_revisions", "tombstones", "providers", "authorisations", "authorisation_events", "price_lists"}

// scan matches a plan line that reads a whole table or index: "SCAN o", "SCAN o USING COVERING INDEX x"
// (a count over every entry), "SCAN o USING INDEX x" (in the index's order). The last is no full scan in
// a statement with a LIMIT, which stops after a page.
var scan = regexp.MustCompile(`^\s*SCAN (\w+)( USING (COVERING )?INDEX \w+)?$`)

// TestDashboardReadsSearchIndexes runs every operation of the dashboard, the comparison of one
// municipality, and the sync's first and next pages and its incremental page, and asks SQLite how it
// runs each statement they read with: none may scan one of the big tables whole. The catalog, which
// reads the register whole once per data version, is read before, so only requests' own reads count.
func TestDashboardReadsSearchIndexes(t *testing.T) {
	api := newTestAPI(t, Options{})
	if _, err := api.db.Catalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	type read struct {
		query string
		args  []any
	}
	var reads []read
	api.db.TraceReads(func(query string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		reads = append(reads, read{query, args})
	})
	files, err := filepath.Glob("../graph/testdata/spa/*.graphql")
	if err != nil || len(files) < 8 {
		t.Fatalf("the dashboard's operations: %v, %v", files, err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		vars := map[string]any{}
		if v, err := os.ReadFile("../graph/testdata/spa/variables/" + name + ".json"); err == nil {
			if err := json.Unmarshal(v, &vars); err != nil {
				t.Fatal(err)
			}
		}
		ask := func(vars map[string]any) map[string]any {
			a := api.post(t, string(src), vars, nil)
			var got struct {
				Data   map[string]any
				Errors []any
			}
			if err := json.Unmarshal([]byte(a.body), &got); err != nil || a.status != 200 || got.Errors != nil {
				t.Fatalf("%s %v: %d %.300s", name, vars, a.status, a.body)
			}
			return got.Data
		}
		data := ask(vars)
		if name == "SyncObservations" {
			page := data["observations"].(map[string]any)
			vars["after"] = page["pageInfo"].(map[string]any)["endCursor"]
			ask(vars)
			vars["after"], vars["updatedSince"] = nil, "2026-01-01T00:00:00Z"
			ask(vars)
		}
	}
	query, vars := comparisonTable(t)
	vars["municipality"] = "0183"
	if a := api.post(t, withMunicipality(query), vars, nil); a.status != 200 || strings.Contains(a.body, `"errors"`) || !strings.Contains(a.body, `"rows":[{`) {
		t.Fatalf("comparison of Sundbyberg: %d %.300s", a.status, a.body)
	}
	api.db.TraceReads(nil)

	seen := map[string]bool{}
	for _, r := range reads {
		if seen[r.query] {
			continue
		}
		seen[r.query] = true
		plan, err := api.db.QueryPlan(t.Context(), r.query, r.args)
		if err != nil {
			t.Fatalf("%v\n%s", err, r.query)
		}
		t.Logf("%s\n%s", strings.Join(strings.Fields(r.query), " "), strings.Join(plan, "\n"))
		for _, line := range plan {
			m := scan.FindStringSubmatch(line)
			ordered := m != nil && m[2] != "" && m[3] == "" && strings.Contains(r.query, " LIMIT ")
			if m != nil && !ordered && readsTable(r.query, m[1]) {
				t.Errorf("a full scan of a big table:\n%s\nin the plan of\n%s", strings.Join(plan, "\n"), r.query)
			}
		}
	}
	if len(seen) < 8 { // the comparison, the profile and the sync with their counts; the rest answer from the catalog
		t.Errorf("%d distinct statements traced; the dashboard runs 8", len(seen))
	}
}

// readsTable reports whether name, as a plan line names it, is one of the big tables or an alias of one
// in query ("FROM observations o", "JOIN providers p").
func readsTable(query, name string) bool {
	for _, table := range bigTables {
		if name == table || regexp.MustCompile(`\b`+table+`\s+(AS\s+)?`+regexp.QuoteMeta(name)+`\b`).MatchString(query) {
			return true
		}
	}
	return false
}
