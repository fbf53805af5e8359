package graph

import (
	"fmt"
	"testing"

	"github.com/jamforelse/api/store"
)

// withExtraProviders returns the seed data plus n private SFI providers, each with an authorisation
// and a 2018 pass rate, so a test can compare a small and a large data set.
func withExtraProviders(t *testing.T, n int) *store.Dataset {
	ds := seedData(t)
	granted := store.Date("2017-03-01")
	for i := range n {
		p := &store.Provider{
			ID: fmt.Sprintf("Provider:extra-%04d", i), Name: fmt.Sprintf("Extra %04d (exempel)", i),
			OperatingForm: store.Private, MunicipalityCode: "0183", SourceID: "Source:illustrative-providers",
		}
		ds.Providers = append(ds.Providers, p)
		ds.Authorisations = append(ds.Authorisations, &store.Authorisation{
			ID: fmt.Sprintf("Authorisation:extra-%04d/0183-sfi", i), ProviderID: p.ID, SchemeID: "AuthorisationScheme:0183-sfi",
			Status: store.AuthorisationActive, GrantedOn: &granted, SourceID: "Source:illustrative-providers",
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
	small, large := newTestAPI(t, withExtraProviders(t, 10)), newTestAPI(t, withExtraProviders(t, 2000))
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			s, l := statementsFor(t, small, q, nil), statementsFor(t, large, q, nil)
			if s != l {
				t.Errorf("statements: %d with 10 extra providers, %d with 2,000; want the same", s, l)
			}
			if l > 4 {
				t.Errorf("statements with 2,000 providers = %d, want at most 4", l)
			}
		})
	}
}
