package store

import (
	"math"
	"testing"
)

// TestACorrectionStoresExactlyWhatItIsGiven: the corrections of an import, and the former versions it
// keeps, travel as JSON into one statement each, and come out with the same types and bits: a whole
// value is still REAL, a missing one NULL, a fraction the very same double, a note with quotes and
// non-ASCII the same text.
func TestACorrectionStoresExactlyWhatItIsGiven(t *testing.T) {
	db := openTestDB(t, smallDataset())
	values := []float64{50, 0.1, 100.0 / 3, 5e-324, 1e-7, math.Nextafter(50, 0), 99.99999999999999, 0}
	note := `"citat" och ÅÄÖ \ ny rad` + "\n"
	var obs []*Observation
	former := map[string]float64{"2017": 60, "2018": 60, "2019": 60} // smallDataset's, by period
	for i, v := range values {
		v, n := v, 30+i
		p := "Provider:p0"
		o := &Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: &p, MunicipalityCode: "0183", Period: []string{"2017", "2018", "2019"}[i%3],
			Value: &v, SampleSize: &n, Status: StatusRevised, SourceID: "Source:test"}
		if i == 1 {
			o.Note = &note
		}
		if i%3 == 0 {
			obs = obs[:0] // one import a value: the key repeats every three
		}
		obs = append(obs, o)
		if i%3 != 2 && i != len(values)-1 {
			continue
		}
		if _, err := db.ImportObservations(t.Context(), Change{Actor: "tester", Operation: "importObservations"}, obs, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, o := range obs {
			var got float64
			var kind, sizeKind, status, source string
			var wantNote, gotNote *string
			var womenIsNull bool
			err := db.sql.QueryRowContext(t.Context(), `SELECT value, typeof(value), typeof(sample_size), value_women IS NULL, status, note, source_id
				FROM observations WHERE metric_id = ?1 AND provider_id = ?2 AND period = ?3`, o.MetricID, *o.ProviderID, o.Period).
				Scan(&got, &kind, &sizeKind, &womenIsNull, &status, &gotNote, &source)
			if err != nil {
				t.Fatal(err)
			}
			wantNote = o.Note
			var kept float64
			var keptKind string
			if err := db.sql.QueryRowContext(t.Context(), `SELECT value, typeof(value) FROM observation_revisions
				WHERE observation_id = ?1 ORDER BY seq DESC LIMIT 1`, o.ID()).Scan(&kept, &keptKind); err != nil {
				t.Fatal(err)
			}
			if math.Float64bits(kept) != math.Float64bits(former[o.Period]) || keptKind != "real" {
				t.Errorf("%s kept its former version as %v (%s); want %v, real", o.Period, kept, keptKind, former[o.Period])
			}
			former[o.Period] = *o.Value
			if math.Float64bits(got) != math.Float64bits(*o.Value) || kind != "real" || sizeKind != "integer" || !womenIsNull ||
				status != string(StatusRevised) || !eq(gotNote, wantNote) || source != "Source:test" {
				t.Errorf("%s stored as %v (%s, size %s, women null %v, %s, %v, %s); want %v, real, integer, true, REVISED, %v",
					o.Period, got, kind, sizeKind, womenIsNull, status, gotNote, source, *o.Value, wantNote)
			}
		}
	}
}
