package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// comparisonDataset holds five SFI providers with hand-picked 2018 figures:
//
//	provider       form        pass rate (n)   dropout rate (n)
//	A Kommunal     MUNICIPAL   80 (100)        10 (100)
//	B Privat       PRIVATE     60 (300)        30 (300)
//	C Privat       PRIVATE     60 (50)         30 (50)
//	D Liten        PRIVATE     90 (5)          5 (5)      ← fewer than 10 individuals: suppressed
//	E Ideell       NON_PROFIT  —               —          ← no figures
//
// plus the municipality's (70) and the country's (65) pass rates. The municipality's pass rate is the sum
// of its providers', so D's would follow from it and the other three: C's, the smallest of them, is
// withheld to protect it. The dropout rate has no municipality figure, so nothing else is withheld.
func comparisonDataset() *Dataset {
	ds := smallDataset()
	ds.Providers, ds.Authorisations, ds.Observations = nil, nil, nil
	ds.Metrics[0].RelatedIDs = []string{"Metric:sfi-dropout-rate"}
	ds.Metrics = append(ds.Metrics, &Metric{ID: "Metric:sfi-dropout-rate", Name: "Dropouts", Description: "d", Definition: "d",
		Unit: UnitPercent, Direction: LowerIsBetter, ServiceAreaID: "ServiceArea:sfi", Headline: true, SourceID: "Source:test"})
	granted := Date("2017-01-01")
	figure := func(metric string, provider *string, code string, value float64, n *int) *Observation {
		return &Observation{MetricID: metric, ProviderID: provider, MunicipalityCode: code, Period: "2018",
			Value: &value, SampleSize: n, Status: StatusFinal, SourceID: "Source:test"}
	}
	for _, p := range []struct {
		slug, name string
		form       OperatingForm
		pass, drop float64
		n          int
		hasFigures bool
	}{
		{"a", "A Kommunal", Municipal, 80, 10, 100, true},
		{"b", "B Privat", Private, 60, 30, 300, true},
		{"c", "C Privat", Private, 60, 30, 50, true},
		{"d", "D Liten", Private, 90, 5, 5, true},
		{"e", "E Ideell", NonProfit, 0, 0, 0, false},
	} {
		id := "Provider:" + p.slug
		ds.Providers = append(ds.Providers, &Provider{ID: id, Name: p.name, OperatingForm: p.form, MunicipalityCode: "0183", SourceID: "Source:test"})
		ds.Authorisations = append(ds.Authorisations, &Authorisation{ID: "Authorisation:" + p.slug + "/0183-sfi", ProviderID: id,
			SchemeID: "AuthorisationScheme:0183-sfi", SourceID: "Source:test", Events: []AuthorisationEvent{{Kind: Granted, Date: granted, SourceID: "Source:test"}}})
		if p.hasFigures {
			ds.Observations = append(ds.Observations,
				figure("Metric:sfi-pass-rate", &id, "0183", p.pass, n(p.n)),
				figure("Metric:sfi-dropout-rate", &id, "0183", p.drop, n(p.n)))
		}
	}
	ds.Observations = append(ds.Observations,
		figure("Metric:sfi-pass-rate", nil, "0183", 70, nil),
		figure("Metric:sfi-pass-rate", nil, "0000", 65, nil))
	return ds
}

func TestComparisonOnHandCheckedData(t *testing.T) {
	db := openTestDB(t, comparisonDataset())
	c, _ := db.Catalog(t.Context())
	// Only the pass rate is asked for; its counterweight, the dropout rate, comes along.
	got, err := db.Comparison(t.Context(), c, ComparisonArgs{ServiceArea: "ServiceArea:sfi", Period: "2018",
		Metrics: []string{"Metric:sfi-pass-rate"}, Municipality: "0183"})
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		Value      *float64
		Suppressed bool
		Rank, Of   *int
	}
	table := map[string][]cell{}
	for _, row := range got.Rows {
		for _, c := range row.Cells {
			table[row.Provider.Name] = append(table[row.Provider.Name], cell{c.Value, c.Suppressed, c.Rank, c.RankOf})
		}
	}
	wantTable := map[string][]cell{
		// Pass rate, higher is better: A 80 is 1st, B 60 2nd. C is withheld to protect D, D is suppressed
		// and E has no figure: none of them is ranked, so 2 providers are. Dropouts, lower is better:
		// A 10 is 1st; B and C tie at 30 and share 2nd, of 3.
		"A Kommunal": {{f(80), false, n(1), n(2)}, {f(10), false, n(1), n(3)}},
		"B Privat":   {{f(60), false, n(2), n(2)}, {f(30), false, n(2), n(3)}},
		"C Privat":   {{nil, true, nil, nil}, {f(30), false, n(2), n(3)}},
		"D Liten":    {{nil, true, nil, nil}, {nil, true, nil, nil}},
		"E Ideell":   {{}, {}},
	}
	if diff := cmp.Diff(wantTable, table); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	reasons := map[string]*SuppressionReason{}
	for _, row := range got.Rows {
		reasons[row.Provider.Name] = row.Cells[0].SuppressionReason
	}
	if want := map[string]*SuppressionReason{"A Kommunal": nil, "B Privat": nil, "C Privat": reasonOf(ProtectsOtherFigure),
		"D Liten": reasonOf(TooFewIndividuals), "E Ideell": nil}; !cmp.Equal(want, reasons) {
		t.Errorf("pass-rate suppression reasons = %v, want C protecting D, D too few", reasons)
	}
	var names []string
	for _, row := range got.Rows {
		names = append(names, row.Provider.Name)
	}
	if diff := cmp.Diff([]string{"A Kommunal", "B Privat", "C Privat", "D Liten", "E Ideell"}, names); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	type summary struct {
		Form string
		Summary
	}
	var summaries []summary
	for _, s := range got.Summaries {
		if s.Metric.ID == "Metric:sfi-pass-rate" {
			form := "ALL"
			if s.OperatingForm != nil {
				form = string(*s.OperatingForm)
			}
			summaries = append(summaries, summary{form, s.Summary})
		}
	}
	wantSummaries := []summary{
		// All: A 80 (100), B 60 (300); C's and D's are withheld and never counted.
		// Weighted mean = (80×100 + 60×300) / (100+300) = 26000 / 400 = 65; median of 60 and 80 = 70.
		{"ALL", Summary{Mean: f(65), MeanWeighted: true, Median: f(70), Min: f(60), Max: f(80), ProviderCount: 2}},
		{"MUNICIPAL", Summary{Mean: f(80), MeanWeighted: true, Median: f(80), Min: f(80), Max: f(80), ProviderCount: 1}},
		// Private: B only.
		{"PRIVATE", Summary{Mean: f(60), MeanWeighted: true, Median: f(60), Min: f(60), Max: f(60), ProviderCount: 1}},
		// Non-profit: E has no figure.
		{"NON_PROFIT", Summary{ProviderCount: 0}},
	}
	if diff := cmp.Diff(wantSummaries, summaries); diff != "" {
		t.Errorf("pass-rate summaries (-want +got):\n%s", diff)
	}

	var refs []string
	for _, r := range got.References {
		refs = append(refs, string(r.Scope)+" "+r.Municipality.Code+" "+r.Metric.ID)
	}
	if diff := cmp.Diff([]string{"MUNICIPALITY 0183 Metric:sfi-pass-rate", "COUNTRY 0000 Metric:sfi-pass-rate"}, refs); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
}

func TestComparisonFiltersOperatingForms(t *testing.T) {
	db := openTestDB(t, comparisonDataset())
	c, _ := db.Catalog(t.Context())
	got, err := db.Comparison(t.Context(), c, ComparisonArgs{ServiceArea: "ServiceArea:sfi", Period: "2018",
		OperatingForms: []OperatingForm{Private}, Municipality: "0183"})
	if err != nil {
		t.Fatal(err)
	}
	// Without metrics, the headline metrics (both); ranks are among the private providers only:
	// B 30 and C 30 share 1st in dropouts.
	if len(got.Rows) != 3 || len(got.Metrics) != 2 || *got.Rows[0].Cells[1].Rank != 1 || *got.Rows[1].Cells[1].Rank != 1 {
		t.Errorf("private providers only: %d rows, %d metrics, want 3 rows (B, C, D), 2 metrics, B and C both 1st", len(got.Rows), len(got.Metrics))
	}
}
