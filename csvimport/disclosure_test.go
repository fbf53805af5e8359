package csvimport

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// TestImportsDecideSuppression: a spreadsheet's figures are written through the same door as every
// write, so suppression is decided again for what they touch. A provider's year and spring term
// published beside a small autumn term would give the autumn back (year minus spring): the import
// withholds the spring term too, and a correction that makes the autumn large enough releases both.
// (The year is its terms together: 24 + 6 individuals, then 24 + 12.)
func TestImportsDecideSuppression(t *testing.T) {
	db := seedtest.DB(t)
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	imp := func(year, autumn string) {
		t.Helper()
		text := "metric;provider;municipality;period;value;value_women;value_men;sample_size;sample_size_women;sample_size_men;status;note;source\n" +
			"sfi-pass-rate;sprakbron-utbildning;0183;2022;" + year + ";final;;illustrative-results\n" +
			"sfi-pass-rate;sprakbron-utbildning;0183;2022-VT;37,5;;;24;;;final;;illustrative-results\n" +
			"sfi-pass-rate;sprakbron-utbildning;0183;2022-HT;" + autumn + ";final;;illustrative-results\n"
		file, err := Parse(strings.NewReader(text), "terminer.csv", c.Metrics(""))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportObservations(t.Context(), store.Change{Actor: "tests", Operation: "importCSV", Reason: ptr("Terminer")},
			file.Observations, store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ids := []string{"Observation:sfi-pass-rate/sprakbron-utbildning/2022", "Observation:sfi-pass-rate/sprakbron-utbildning/2022-VT",
		"Observation:sfi-pass-rate/sprakbron-utbildning/2022-HT"}
	withheld := func() map[string]store.SuppressionReason {
		t.Helper()
		c, _ := db.Catalog(t.Context())
		found, err := db.ObservationsByID(t.Context(), c, ids)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.SuppressionReason{}
		for _, id := range ids {
			if o := found[id]; o == nil {
				t.Fatalf("%s was not imported", id)
			} else if o.SuppressionReason != nil {
				out[id] = *o.SuppressionReason
			}
		}
		report, err := db.Audit(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range report.Recovered {
			t.Errorf("the audit works out %s", r)
		}
		return out
	}

	imp("40,0;;;30;;", "50,0;;;6;;")
	want := map[string]store.SuppressionReason{ids[1]: store.ProtectsOtherFigure, ids[2]: store.TooFewIndividuals}
	if diff := cmp.Diff(want, withheld()); diff != "" {
		t.Errorf("a year, its spring and a small autumn (-want +got):\n%s", diff)
	}
	imp("41,7;;;36;;", "50,0;;;12;;")
	if got := withheld(); len(got) != 0 {
		t.Errorf("after the autumn was corrected to 12 individuals: %v withheld, want none", got)
	}
}
