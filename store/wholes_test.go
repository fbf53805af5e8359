package store

import (
	"errors"
	"testing"
)

// TestImportChecksPartsOfAWholeAgainstStored: pass and dropout rates are parts of one whole. A batch is
// checked with the parts it holds as it has them and the others as stored: a dropout rate that with the
// stored pass rate makes more than 100 % is refused under its row; the same dropout rate with a lower
// pass rate in the batch is accepted.
func TestImportChecksPartsOfAWholeAgainstStored(t *testing.T) {
	ds := smallDataset()
	whole := "pass-and-dropout"
	ds.Metrics[0].Whole = &whole
	ds.Metrics = append(ds.Metrics, &Metric{ID: "Metric:sfi-dropout-rate", Name: "Dropouts", Description: "d", Definition: "d",
		Unit: UnitPercent, Direction: LowerIsBetter, ServiceAreaID: "ServiceArea:sfi", SourceID: "Source:test", Whole: &whole})
	db := openTestDB(t, ds)
	p1 := "Provider:p1"
	figure := func(metric string, value float64) *Observation {
		return &Observation{MetricID: metric, ProviderID: &p1, MunicipalityCode: "0183", Period: "2018", Value: &value,
			SampleSize: ptr(21), Status: StatusFinal, SourceID: "Source:test"}
	}
	ch := Change{Actor: "tester", Operation: "importObservations"}
	other := figure("Metric:sfi-pass-rate", 61) // p1's stored pass rate, as it is
	other.Period = "2019"

	// The stored pass rate of 2018 is 61 %.
	_, err := db.ImportObservations(t.Context(), ch, []*Observation{other, figure("Metric:sfi-dropout-rate", 50)}, ImportOptions{})
	var p *ProblemsError
	want := "row 2, value: Metric:sfi-dropout-rate and Metric:sfi-pass-rate are parts of one whole (pass-and-dropout) " +
		"but their shares for all add up to 111.0 % for Provider:p1 in 2018"
	if !errors.As(err, &p) || len(p.Problems) != 1 || p.Problems[0].String() != want {
		t.Fatalf("import = %v, want only %q", err, want)
	}
	if _, err := db.ImportObservations(t.Context(), ch, []*Observation{figure("Metric:sfi-pass-rate", 40), figure("Metric:sfi-dropout-rate", 50)},
		ImportOptions{}); err != nil {
		t.Fatalf("with a lower pass rate in the batch: %v", err)
	}
}
