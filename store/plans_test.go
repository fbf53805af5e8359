package store

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestComparisonReadsOnlyItsFigures checks that a municipality's comparison reads no more rows than it
// shows: SQLite's plan for its statement must search one index by period, metric and municipality, so
// that the rows the search visits are the municipality's figures (its providers' and its own) and the
// country's for the period, and not another municipality's. With observations_by_period on (period,
// metric_id) alone, as before migration 0012, the search visited every municipality's figures.
func TestComparisonReadsOnlyItsFigures(t *testing.T) {
	ds := smallDataset()
	src := ds.Sources[0].ID
	ds.Municipalities = append(ds.Municipalities, &Municipality{Code: "0184", Name: "Solna", SourceID: src})
	figure := func(provider *string, municipality, period string, v float64) {
		size := 40
		ds.Observations = append(ds.Observations, &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: provider,
			MunicipalityCode: municipality, Period: period, Value: &v, SampleSize: &size, Status: StatusFinal, SourceID: src})
	}
	for i := range 20 { // a larger neighbour, whose figures the comparison of 0183 must not visit
		p := &Provider{ID: fmt.Sprintf("Provider:solna-%d", i), Name: fmt.Sprintf("Solna %d", i), OperatingForm: Private, MunicipalityCode: "0184", SourceID: src}
		ds.Providers = append(ds.Providers, p)
		for _, period := range []string{"2017", "2018", "2019"} {
			figure(&p.ID, "0184", period, 50)
		}
	}
	for _, period := range []string{"2017", "2018", "2019"} {
		for _, code := range []string{"0183", "0184", CountryCode} {
			figure(nil, code, period, 55)
		}
	}
	db := openTestDB(t, ds)
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var query string
	var args []any
	db.TraceReads(func(q string, a []any) {
		if strings.Contains(q, "FROM observations o") {
			query, args = q, a
		}
	})
	cmpn, err := db.Comparison(t.Context(), c, ComparisonArgs{ServiceArea: "ServiceArea:sfi", Period: "2018", Municipality: "0183"})
	db.TraceReads(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmpn.Rows) != 3 || len(cmpn.References) != 2 {
		t.Fatalf("%d rows and %d references; want 3 and 2", len(cmpn.Rows), len(cmpn.References))
	}
	shown := 3 + 1 + 1 // the providers' figures, the municipality's and the country's

	plan, err := db.QueryPlan(t.Context(), query, args)
	if err != nil {
		t.Fatal(err)
	}
	search := regexp.MustCompile(`^SEARCH o USING INDEX (\w+) \((.*)\)$`)
	var constrained []string
	for _, line := range plan {
		if m := search.FindStringSubmatch(line); m != nil {
			constrained = strings.Split(m[2], " AND ")
		} else if strings.HasPrefix(line, "SCAN o") {
			t.Fatalf("the comparison scans the observations:\n%s", strings.Join(plan, "\n"))
		}
	}
	if constrained == nil {
		t.Fatalf("the comparison's plan searches no index of the observations:\n%s", strings.Join(plan, "\n"))
	}
	// What the search visits: every row matching the constraints the index applies, and only those.
	conditions := map[string]string{
		"period=?":            "period = ?2",
		"metric_id=?":         "metric_id IN (SELECT value FROM json_each(?1))",
		"municipality_code=?": "municipality_code IN (?3, ?4)",
	}
	var where []string
	for _, c := range constrained {
		cond, ok := conditions[c]
		if !ok {
			t.Fatalf("the plan constrains %q, which this test does not know:\n%s", c, strings.Join(plan, "\n"))
		}
		where = append(where, cond)
	}
	var visited int
	if err := db.sql.QueryRowContext(t.Context(), `SELECT count(*) FROM observations WHERE `+strings.Join(where, " AND "), args...).Scan(&visited); err != nil {
		t.Fatal(err)
	}
	if visited != shown {
		t.Errorf("the comparison's search visits %d rows for the %d figures it shows:\n%s", visited, shown, strings.Join(plan, "\n"))
	}
}

// TestCountsFollowEveryWrite checks that the totals kept in observation_counts, which answer a list's
// totalCount over the country, equal a count of the rows after a load, an import that adds a figure
// and changes another, and a deletion.
func TestCountsFollowEveryWrite(t *testing.T) {
	db := openTestDB(t, smallDataset())
	check := func(when string) {
		t.Helper()
		c, err := db.Catalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []ObservationFilter{{}, {AboutProvider: ptr(true)}, {AboutProvider: ptr(false)}, {Period: ptr("2018")},
			{ServiceArea: ptr("ServiceArea:sfi"), Metrics: []string{"Metric:sfi-pass-rate"}}} {
			if !countedAlone(f) {
				t.Fatalf("%+v is not counted from observation_counts", f)
			}
			page, err := db.Observations(t.Context(), c, f, ObservationOrder{}, PageArgs{First: ptr(0)})
			if err != nil {
				t.Fatal(err)
			}
			kept, err := page.TotalCount(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			where, args, _ := observationQuery(f, false)
			var rows int
			if err := db.sql.QueryRowContext(t.Context(), `SELECT count(*) FROM observations o WHERE `+where, args...).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if kept != rows || rows == 0 && f.AboutProvider == nil {
				t.Errorf("%s, filter %+v: totalCount %d, rows %d", when, f, kept, rows)
			}
		}
	}
	check("after the load")
	addFigure(t, db, "2018")
	v := 70.0
	if _, err := db.ImportObservations(t.Context(), Change{Actor: "tester", Operation: "import"}, []*Observation{{MetricID: "Metric:sfi-pass-rate",
		ProviderID: ptr("Provider:p1"), MunicipalityCode: "0183", Period: "2020", Value: &v, SampleSize: ptr(30), Status: StatusFinal, SourceID: "Source:test"}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	check("after imports")
	if err := db.DeleteObservations(t.Context(), Change{Actor: "tester", Operation: "delete", Reason: ptr("test")},
		[]string{"Observation:sfi-pass-rate/p0/2018", "Observation:sfi-pass-rate/0183/2018"}); err != nil {
		t.Fatal(err)
	}
	check("after a deletion")
}
