package graph

import (
	"fmt"
	"os"
	"testing"

	"github.com/jamforelse/api/store"
)

// withSFIProviders returns the seed data with private SFI providers added, each with an
// authorisation and a 2018 pass rate, until SFI has total providers.
func withSFIProviders(t *testing.T, total int) *store.Dataset {
	ds := seedData(t)
	have := 0
	for _, a := range ds.Authorisations {
		if a.SchemeID == "AuthorisationScheme:0183-sfi" {
			have++
		}
	}
	granted := store.Date("2017-03-01")
	for i := range total - have {
		p := &store.Provider{
			ID: fmt.Sprintf("Provider:extra-%04d", i), Name: fmt.Sprintf("Extra %04d (exempel)", i),
			OperatingForm: store.Private, MunicipalityCode: "0183", SourceID: "Source:illustrative-providers",
		}
		ds.Providers = append(ds.Providers, p)
		ds.Authorisations = append(ds.Authorisations, &store.Authorisation{
			ID: fmt.Sprintf("Authorisation:extra-%04d/0183-sfi", i), ProviderID: p.ID, SchemeID: "AuthorisationScheme:0183-sfi",
			SourceID: "Source:illustrative-providers", Events: []store.AuthorisationEvent{{Kind: store.Granted, Date: granted, SourceID: "Source:illustrative-providers"}},
		})
		value, size := float64(50+i%40), 10+i%50
		ds.Observations = append(ds.Observations, &store.Observation{
			MetricID: "Metric:sfi-pass-rate", ProviderID: &p.ID, MunicipalityCode: "0183", Period: "2018",
			Value: &value, SampleSize: &size, Status: store.StatusFinal, SourceID: "Source:illustrative-results",
		})
	}
	return ds
}

// statementsFor counts the SQL statements one request runs.
func statementsFor(t *testing.T, api *testAPI, query string, vars map[string]any) int64 {
	t.Helper()
	api.mustQuery(t, query, vars) // the first request loads the catalog; count a later one
	before := api.db.Statements()
	api.mustQuery(t, query, vars)
	return api.db.Statements() - before
}

// TestStatementsDoNotGrowWithRows runs nested queries on a small and a large data set: the number of
// SQL statements is the same, because nested lists come from the catalog or one batched statement,
// never one statement per row.
func TestStatementsDoNotGrowWithRows(t *testing.T) {
	queries := map[string]string{
		"providers with service areas and authorisations": `{
			providers(first: 100) { totalCount nodes { id serviceAreas { id name } authorisations { id status scheme { id serviceArea { id } } } } }
		}`,
		"comparison": `{
			comparison(serviceArea: "ServiceArea:sfi", period: "2018") {
				rows { provider { id name } cells { metric { id } value rank rankOf } }
				summaries { mean } references { value }
			}
		}`,
		"providers with their results": `{
			providers(first: 100) { nodes { id results(first: 5) { totalCount pageInfo { hasNextPage } nodes { id value } } } }
		}`,
		"observations with their provider and metric": `{
			observations(first: 1000) { edges { node { id metric { id } provider { id } municipality { code } source { title } } } }
		}`,
	}
	comparisonTable, err := os.ReadFile("testdata/spa/ComparisonTable.graphql")
	if err != nil {
		t.Fatal(err)
	}
	queries["the dashboard's ComparisonTable"] = string(comparisonTable)
	vars := map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate"}}

	small, large := newTestAPI(t, withSFIProviders(t, 10)), newTestAPI(t, withSFIProviders(t, 2000))
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			s, l := statementsFor(t, small, q, vars), statementsFor(t, large, q, vars)
			if s != l {
				t.Errorf("statements: %d with 10 SFI providers, %d with 2,000; want the same", s, l)
			}
			t.Logf("%d SQL statements with 10 SFI providers and with 2,000", l)
			if l > 4 {
				t.Errorf("statements with 2,000 providers = %d, want at most 4", l)
			}
		})
	}
}
