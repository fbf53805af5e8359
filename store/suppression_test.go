package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// municipalityDataset is one municipality's pass rate for 2018 with three providers whose figures add
// up to it: a 100, b 50 and c 40 individuals.
func municipalityDataset() *Dataset {
	ds := smallDataset()
	ds.Observations = nil
	for _, f := range []struct {
		provider *string
		n        int
	}{{nil, 190}, {ptr("Provider:p0"), 100}, {ptr("Provider:p1"), 50}, {ptr("Provider:p2"), 40}} {
		v := 70.0
		ds.Observations = append(ds.Observations, &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: f.provider, MunicipalityCode: "0183",
			Period: "2018", Value: &v, SampleSize: ptr(f.n), Status: StatusFinal, SourceID: "Source:test"})
	}
	return ds
}

// withheld reads every figure as a reader does and returns those withheld, by ID, with the reason.
func withheld(t *testing.T, db *DB) (map[string]SuppressionReason, map[string]time.Time) {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out, stamps := map[string]SuppressionReason{}, map[string]time.Time{}
	err = db.EachObservation(t.Context(), c, ObservationFilter{}, func(o *Observation) error {
		if o.SuppressionReason != nil {
			out[o.ID()] = *o.SuppressionReason
		}
		stamps[o.ID()] = o.UpdatedAt
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, stamps
}

// TestWritesDecideSuppressionAsTheyWrite: a correction that leaves a provider with too few individuals
// withholds it and, in the same write, the smallest other provider that would give it back; the
// complement's updatedAt moves, so mirrors fetch it again; a later correction releases both, and a
// deletion decides again too.
func TestWritesDecideSuppressionAsTheyWrite(t *testing.T) {
	db := openTestDB(t, municipalityDataset())
	ch := Change{Actor: "test", Operation: "importObservations"}
	if got, _ := withheld(t, db); len(got) != 0 {
		t.Fatalf("withheld before: %v", got)
	}
	figure := func(provider *string, n int) *Observation {
		v := 71.0
		return &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: provider, MunicipalityCode: "0183", Period: "2018",
			Value: &v, SampleSize: &n, Status: StatusFinal, SourceID: "Source:test"}
	}
	_, before := withheld(t, db)
	if _, err := db.ImportObservations(t.Context(), ch, []*Observation{figure(ptr("Provider:p2"), 5), figure(nil, 155)}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	got, after := withheld(t, db)
	want := map[string]SuppressionReason{"Observation:sfi-pass-rate/p2/2018": TooFewIndividuals, "Observation:sfi-pass-rate/p1/2018": ProtectsOtherFigure}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the correction (-want +got):\n%s", diff)
	}
	if id := "Observation:sfi-pass-rate/p1/2018"; !after[id].After(before[id]) {
		t.Errorf("the complement's updatedAt stayed %v: a mirror syncing by updatedSince would keep its value", after[id])
	}
	if id := "Observation:sfi-pass-rate/p0/2018"; !after[id].Equal(before[id]) {
		t.Errorf("an unchanged figure's updatedAt moved from %v to %v", before[id], after[id])
	}
	// The figure's former version, of 40 individuals, is withheld with it: beside today's other figures
	// it could say too much of today's.
	c, _ := db.Catalog(t.Context())
	revisions, err := db.Revisions(t.Context(), c, []string{"Observation:sfi-pass-rate/p2/2018"})
	if r := revisions["Observation:sfi-pass-rate/p2/2018"]; err != nil || len(r) != 1 || !r[0].Suppressed || r[0].Value != nil {
		t.Errorf("the former version = %+v, %v; want it withheld", r, err)
	}

	if _, err := db.ImportObservations(t.Context(), ch, []*Observation{figure(ptr("Provider:p2"), 40), figure(nil, 190)}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := withheld(t, db); len(got) != 0 {
		t.Errorf("after correcting back: %v withheld, want none", got)
	}
	if _, err := db.ImportObservations(t.Context(), ch, []*Observation{figure(ptr("Provider:p2"), 5), figure(nil, 155)}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteObservations(t.Context(), Change{Actor: "test", Operation: "delete", Reason: ptr("Återkallad")}, []string{"Observation:sfi-pass-rate/p2/2018"}); err != nil {
		t.Fatal(err)
	}
	// 155 = 100 + 50 + 5, and the 5 are gone: what is left over is still a group of 5.
	if got, _ := withheld(t, db); !cmp.Equal(got, map[string]SuppressionReason{"Observation:sfi-pass-rate/p1/2018": ProtectsOtherFigure}) {
		t.Errorf("after deleting the small one: %v, want b still withheld, since 155 − 100 − 50 leaves 5", got)
	}
}

// TestTheThresholdIsKeptWithTheData: the writer's threshold is stored; a read-only server follows it
// whatever it was started with, a writer without one keeps it, and a writer with another decides every
// figure again.
func TestTheThresholdIsKeptWithTheData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "threshold.db")
	open := func(opts Options) *DB {
		db, err := Open(t.Context(), path, opts)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open(Options{SuppressBelow: 45})
	if err := db.Replace(t.Context(), municipalityDataset()); err != nil {
		t.Fatal(err)
	}
	// c has 40, fewer than 45; b, the smallest other, protects it.
	want := map[string]SuppressionReason{"Observation:sfi-pass-rate/p2/2018": TooFewIndividuals, "Observation:sfi-pass-rate/p1/2018": ProtectsOtherFigure}
	for _, opts := range []Options{{ReadOnly: true, SuppressBelow: 10}, {}} {
		other := open(opts)
		if got, _ := withheld(t, other); !cmp.Equal(got, want) {
			t.Errorf("opened with %+v: %v withheld, want %v", opts, got, want)
		}
		other.Close()
	}
	db.Close()
	db = open(Options{SuppressBelow: 10})
	defer db.Close()
	if got, _ := withheld(t, db); len(got) != 0 {
		t.Errorf("with the threshold at 10: %v withheld, want none", got)
	}
	if c, _ := db.Catalog(t.Context()); c.Info.SuppressBelow != 10 {
		t.Errorf("the stored threshold is %d, want 10", c.Info.SuppressBelow)
	}
}

// TestMigrationDecidesSuppression: a database from before disclosure control is decided on in the
// migration's own transaction, and its data version moves, so no answer cached under the old version is
// served again.
func TestMigrationDecidesSuppression(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	err := oldDatabase(t, path, 5, `
		INSERT INTO metrics (id, name, description, definition, unit, direction, service_area_id, headline, position, source_id)
			VALUES ('Metric:pass', 'Pass', 'd', 'd', 'PERCENT', 'HIGHER_IS_BETTER', 'ServiceArea:sfi', 1, 0, 'Source:s');
		INSERT INTO providers (id, name, operating_form, municipality_code, source_id, updated_at) VALUES
			('Provider:a', 'A', 'PRIVATE', '0183', 'Source:s', 'x'), ('Provider:b', 'B', 'PRIVATE', '0183', 'Source:s', 'x'), ('Provider:c', 'C', 'PRIVATE', '0183', 'Source:s', 'x');
		INSERT INTO observations (metric_id, provider_id, municipality_code, period, period_start, period_end, value, sample_size, status, source_id, updated_at) VALUES
			('Metric:pass', NULL, '0183', '2018', '2018-01-01', '2018-12-31', 70, 155, 'FINAL', 'Source:s', '2020-01-01T00:00:00Z'),
			('Metric:pass', 'Provider:a', '0183', '2018', '2018-01-01', '2018-12-31', 70, 100, 'FINAL', 'Source:s', '2020-01-01T00:00:00Z'),
			('Metric:pass', 'Provider:b', '0183', '2018', '2018-01-01', '2018-12-31', 70, 50, 'FINAL', 'Source:s', '2020-01-01T00:00:00Z'),
			('Metric:pass', 'Provider:c', '0183', '2018', '2018-01-01', '2018-12-31', 70, 5, 'FINAL', 'Source:s', '2020-01-01T00:00:00Z');`)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, _ := withheld(t, db)
	want := map[string]SuppressionReason{"Observation:pass/c/2018": TooFewIndividuals, "Observation:pass/b/2018": ProtectsOtherFigure}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the migration (-want +got):\n%s", diff)
	}
	if c, _ := db.Catalog(t.Context()); c.Info.Version != 8 {
		t.Errorf("data version %d after the migration, want 8: the answers cached under 7 are stale", c.Info.Version)
	}
}
