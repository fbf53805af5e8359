package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jamforelse/api/store"
)

// randomDataset makes an SFI comparison with random providers and figures: values with six decimals
// (so each can be searched for in an answer) and sample sizes from 1 to 60, so about one in seven is
// below the suppression threshold. It returns the figures that must be suppressed.
func randomDataset(r *rand.Rand) (*store.Dataset, []*store.Observation) {
	src := "Source:random"
	ds := &store.Dataset{
		Info:           &store.DatasetInfo{Title: "Random", Description: "d", Publisher: "p", License: "CC0-1.0", LicenseURL: "https://example.org"},
		Sources:        []*store.Source{{ID: src, Title: "Random", Publisher: "Tests", Illustrative: true}},
		Municipalities: []*store.Municipality{{Code: "0183", Name: "Sundbyberg", SourceID: src}, {Code: "0000", Name: "Riket", SourceID: src}},
		ServiceAreas:   []*store.ServiceArea{{ID: "ServiceArea:sfi", Code: "sfi", Name: "SFI", Description: "d", SourceID: src}},
		Schemes:        []*store.Scheme{{ID: "AuthorisationScheme:0183-sfi", Name: "SFI", ServiceAreaID: "ServiceArea:sfi", MunicipalityCode: "0183", Status: store.SchemeInForce, SourceID: src}},
		Metrics: []*store.Metric{
			{ID: "Metric:pass", Name: "Pass", Description: "d", Definition: "d", Unit: store.UnitPercent, Direction: store.HigherIsBetter,
				ServiceAreaID: "ServiceArea:sfi", Headline: true, SourceID: src, RelatedIDs: []string{"Metric:dropout"}},
			{ID: "Metric:dropout", Name: "Dropout", Description: "d", Definition: "d", Unit: store.UnitPercent, Direction: store.LowerIsBetter,
				ServiceAreaID: "ServiceArea:sfi", Headline: true, SourceID: src},
		},
	}
	granted := store.Date("2017-01-01")
	forms := []store.OperatingForm{store.Municipal, store.Private, store.Private, store.NonProfit}
	var suppressed []*store.Observation
	for i := range 5 + r.IntN(40) {
		id := fmt.Sprintf("Provider:p%03d", i)
		ds.Providers = append(ds.Providers, &store.Provider{ID: id, Name: fmt.Sprintf("P%03d", i), OperatingForm: forms[r.IntN(len(forms))], MunicipalityCode: "0183", SourceID: src})
		ds.Authorisations = append(ds.Authorisations, &store.Authorisation{ID: fmt.Sprintf("Authorisation:p%03d/0183-sfi", i), ProviderID: id,
			SchemeID: "AuthorisationScheme:0183-sfi", SourceID: src, Events: []store.AuthorisationEvent{{Kind: store.Granted, Date: granted, SourceID: src}}})
		for _, metric := range []string{"Metric:pass", "Metric:dropout"} {
			if r.IntN(10) == 0 {
				continue // some providers report nothing
			}
			// Ties are likely too: a fifth of the values come from a short list.
			value := float64(r.IntN(100_000_000)) / 1_000_000
			if r.IntN(5) == 0 {
				value = float64(50 + r.IntN(3))
			}
			n, nw := 1+r.IntN(60), 0
			nw = r.IntN(n + 1)
			women, men := value, value
			o := &store.Observation{MetricID: metric, ProviderID: &id, MunicipalityCode: "0183", Period: "2018", Value: &value,
				ValueWomen: &women, ValueMen: &men, SampleSize: &n, SampleSizeWomen: &nw, SampleSizeMen: ptr(n - nw),
				Status: store.StatusFinal, SourceID: src}
			ds.Observations = append(ds.Observations, o)
			if n < store.DefaultSuppressBelow {
				suppressed = append(suppressed, o)
			}
		}
	}
	return ds, suppressed
}

// TestRanksAndSuppressionOnRandomData checks, on many random data sets, that every rank agrees with
// sorting the unsuppressed values by the metric's direction, that summaries use only those values, and
// that no suppressed value appears anywhere in any answer: comparison, observations, node, results or
// time series.
func TestRanksAndSuppressionOnRandomData(t *testing.T) {
	for seed := range uint64(25) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			ds, suppressed := randomDataset(rand.New(rand.NewPCG(seed, 2018)))
			api := newTestAPI(t, ds)
			r := api.query(t, `{ comparison(serviceArea: "ServiceArea:sfi", period: "2018", metrics: ["Metric:pass"]) {
				metrics { id direction }
				rows { provider { id } cells { metric { id } value sampleSize suppressed rank rankOf } }
				summaries { operatingForm metric { id } mean median min max providerCount }
			} }`, nil)
			if len(r.Errors) > 0 {
				t.Fatal(r.raw)
			}
			answers := []string{r.raw}
			cmpn := r.Data["comparison"].(map[string]any)
			for i, m := range asList(cmpn["metrics"]) {
				var values []float64
				for _, row := range asList(cmpn["rows"]) {
					if v, ok := asList(row["cells"])[i]["value"].(float64); ok {
						values = append(values, v)
					}
				}
				higher := m["direction"] == "HIGHER_IS_BETTER"
				for _, row := range asList(cmpn["rows"]) {
					cell := asList(row["cells"])[i]
					v, hasValue := cell["value"].(float64)
					if !hasValue {
						if cell["rank"] != nil || cell["rankOf"] != nil {
							t.Errorf("%v: a cell without a value has rank %v of %v", row["provider"], cell["rank"], cell["rankOf"])
						}
						continue
					}
					want := 1
					for _, other := range values {
						if (higher && other > v) || (!higher && other < v) {
							want++
						}
					}
					if cell["rank"] != float64(want) || cell["rankOf"] != float64(len(values)) {
						t.Errorf("%s %v: rank %v of %v, want %d of %d", m["id"], v, cell["rank"], cell["rankOf"], want, len(values))
					}
				}
				for _, s := range asList(cmpn["summaries"]) {
					if s["operatingForm"] == nil && s["metric"].(map[string]any)["id"] == m["id"] {
						if s["providerCount"] != float64(len(values)) {
							t.Errorf("%s: summary counts %v providers, want the %d with a value", m["id"], s["providerCount"], len(values))
						}
						if len(values) > 0 && (s["min"] != slices.Min(values) || s["max"] != slices.Max(values)) {
							t.Errorf("%s: summary min/max %v/%v, want %v/%v", m["id"], s["min"], s["max"], slices.Min(values), slices.Max(values))
						}
					}
				}
			}

			// Every other path to the figures.
			answers = append(answers, api.query(t, `{ observations(first: 1000) { nodes { value valueWomen valueMen sampleSize } } }`, nil).raw)
			answers = append(answers, api.query(t, `{ providers(first: 100) { nodes { results(first: 10) { nodes { value valueWomen valueMen } } } } }`, nil).raw)
			for _, o := range suppressed {
				answers = append(answers, api.query(t, `query($id: ID!) { node(id: $id) { ... on Observation { value valueWomen valueMen sampleSize suppressed } } }`,
					map[string]any{"id": o.ID()}).raw)
				answers = append(answers, api.query(t, `query($p: ID!) { node(id: $p) { ... on Provider { series(metric: "Metric:pass") { points { value } } } } }`,
					map[string]any{"p": *o.ProviderID}).raw)
			}
			for _, o := range suppressed {
				secret := strconv.FormatFloat(*o.Value, 'f', -1, 64)
				if !strings.Contains(secret, ".") {
					continue // a whole number such as 51 could appear for other reasons
				}
				for _, answer := range answers {
					if strings.Contains(answer, secret) {
						t.Errorf("suppressed value %s (n=%d) of %s appears in an answer: %.300s", secret, *o.SampleSize, o.ID(), answer)
					}
				}
			}
		})
	}
}
