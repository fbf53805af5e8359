package kolada_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

// withheld reads the suppression of the figures named, as the store serves them ("" when shown).
func withheld(t *testing.T, db *store.DB, ids ...string) map[string]store.SuppressionReason {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	found, err := db.ObservationsByID(t.Context(), c, ids)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.SuppressionReason{}
	for _, id := range ids {
		if o := found[id]; o != nil && o.SuppressionReason != nil {
			out[id] = *o.SuppressionReason
		} else {
			out[id] = ""
		}
	}
	return out
}

// audited fails the test if the disclosure audit works out any withheld figure of too few individuals.
func audited(t *testing.T, db *store.DB, after string) {
	t.Helper()
	report, err := db.Audit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Recovered {
		t.Errorf("after %s, the audit works out %s", after, r)
	}
}

// TestImportsDecideSuppression: a Kolada import writes through the same door as every write, so the
// figures it brings, and the ones it removes (isdeleted), decide again which providers' figures to
// withhold. A municipality's figure from Kolada beside its providers' lets a reader subtract down to a
// small provider: the import withholds the next smallest too, and removing the figure again releases it.
// A region's figure is a group of its own.
func TestImportsDecideSuppression(t *testing.T) {
	db := seededDB(t)
	figure := func(provider string, n int) *store.Observation {
		return &store.Observation{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2023",
			Value: f(70), SampleSize: &n, Status: store.StatusFinal, SourceID: "Source:illustrative-results"}
	}
	providers := []*store.Observation{figure("Provider:sprakbron-utbildning", 100), figure("Provider:nordljus-larande", 50), figure("Provider:steget-vidare", 5)}
	if _, err := db.ImportObservations(t.Context(), change, providers, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := []string{"Observation:sfi-pass-rate/sprakbron-utbildning/2023", "Observation:sfi-pass-rate/nordljus-larande/2023",
		"Observation:sfi-pass-rate/steget-vidare/2023", "Observation:sfi-pass-rate/0183/2023", "Observation:sfi-pass-rate/0001/2023"}
	onlySmall := map[string]store.SuppressionReason{ids[0]: "", ids[1]: "", ids[2]: store.TooFewIndividuals, ids[3]: "", ids[4]: ""}
	if diff := cmp.Diff(onlySmall, withheld(t, db, ids...)); diff != "" {
		t.Fatalf("the providers alone (-want +got):\n%s", diff)
	}

	kpi := func(code string, deleted bool) string {
		value := "70.3"
		if deleted {
			value = "null"
		}
		return fmt.Sprintf(`{"kpi": "N18946", "municipality": %q, "period": 2023, "values": [{"count": 1, "gender": "T", "isdeleted": %t, "status": "", "value": %s}]}`,
			code, deleted, value)
	}
	real := into(t)
	real.SourceID, real.SourceIllustrative = "Source:kolada", false
	imp := func(page string) store.ImportResult {
		t.Helper()
		res, err := kolada.Parse(strings.NewReader(`{"count": 2, "next_url": null, "previous_url": null, "values": [`+page+`]}`), real)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.ImportObservations(t.Context(), change, res.Observations, store.ImportOptions{Remove: res.Removed})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	if got := imp(kpi("0183", false) + "," + kpi("0001", false)); got.Added != 2 {
		t.Fatalf("import of 0183 and Region Stockholm = %+v, want 2 added", got)
	}
	protected := map[string]store.SuppressionReason{ids[0]: "", ids[1]: store.ProtectsOtherFigure, ids[2]: store.TooFewIndividuals, ids[3]: "", ids[4]: ""}
	if diff := cmp.Diff(protected, withheld(t, db, ids...)); diff != "" {
		t.Errorf("with the municipality's figure from Kolada (-want +got):\n%s", diff)
	}
	audited(t, db, "the import")

	if got := imp(kpi("0183", true)); got.Deleted != 1 {
		t.Fatalf("import of 0183's figure marked isdeleted = %+v, want 1 deleted", got)
	}
	if diff := cmp.Diff(onlySmall, withheld(t, db, ids...)); diff != "" {
		t.Errorf("once Kolada withdrew the municipality's figure (-want +got):\n%s", diff)
	}
	audited(t, db, "the removal")
}
