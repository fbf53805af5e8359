package graph

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

// TestKoladaReferenceLinesThroughTheAPI imports Kolada v3 pages (../kolada/testdata/v3: two pages of
// a sync and a download for the whole country) as Source:kolada and reads the reference lines back as
// a client does: places the seed's providers never name (Stockholm, Kiruna, Region Stockholm) have
// their figures, Sundbyberg's series mixes the seed's invented reference values with the real ones
// that replaced them, each saying which it is, and importing the same pages again changes nothing.
func TestKoladaReferenceLinesThroughTheAPI(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	c, err := api.db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var pages strings.Builder
	for _, name := range []string{"sync-page-1.json", "sync-page-2.json", "country-N18946-2023.json"} {
		data, err := os.ReadFile("../kolada/testdata/v3/" + name)
		if err != nil {
			t.Fatal(err)
		}
		pages.Write(data)
	}
	into := kolada.IntoCatalog(c, "Source:kolada")
	importPages := func() store.ImportResult {
		t.Helper()
		res, err := kolada.Parse(strings.NewReader(pages.String()), into)
		if err != nil {
			t.Fatal(err)
		}
		imported, err := api.db.ImportObservations(t.Context(), testChange, res.Observations, store.ImportOptions{Remove: res.Removed})
		if err != nil {
			t.Fatal(err)
		}
		return imported
	}
	if got, want := importPages(), (store.ImportResult{Added: 22, Changed: 4}); got != want {
		t.Errorf("first import = %+v, want %+v", got, want)
	}

	data := api.mustQuery(t, `{
		stockholm: municipality(code: "0180") { name kind county countyCode scbCode koladaId }
		region: municipality(code: "0001") { name kind county countyCode scbCode koladaId }
		country: municipality(code: "0000") { name kind county countyCode scbCode koladaId }
		regions: municipalities(kind: REGION) { code }
		kiruna: node(id: "Observation:sfi-pass-rate/2584/2023") { ... on Observation { value valueWomen valueMen illustrative source { id } } }
		sundbyberg: node(id: "Provider:sundbyberg-vuxenutbildning") { ... on Provider { series(metric: "Metric:sfi-pass-rate") {
			municipalityReference { period value illustrative }
			countryReference { period value illustrative } } } }
	}`, nil)
	if n := len(data["regions"].([]any)); n != 21 {
		t.Errorf("%d regions, want 21", n)
	}
	delete(data, "regions")
	got, _ := json.Marshal(data)
	want := `{"country":{"county":null,"countyCode":null,"kind":"COUNTRY","koladaId":"0000","name":"Riket","scbCode":"00"},` +
		`"kiruna":{"illustrative":false,"source":{"id":"Source:kolada"},"value":74,"valueMen":72.2,"valueWomen":75.5},` +
		`"region":{"county":"Stockholms län","countyCode":"01","kind":"REGION","koladaId":"0001","name":"Region Stockholm","scbCode":"01"},` +
		`"stockholm":{"county":"Stockholms län","countyCode":"01","kind":"MUNICIPALITY","koladaId":"0180","name":"Stockholm","scbCode":"0180"},` +
		`"sundbyberg":{"series":{` +
		`"countryReference":[{"illustrative":true,"period":"2017","value":72.5},{"illustrative":true,"period":"2018","value":69.1},` +
		`{"illustrative":false,"period":"2019","value":70.2},{"illustrative":false,"period":"2023","value":68.4},{"illustrative":false,"period":"2024","value":69}],` +
		`"municipalityReference":[{"illustrative":true,"period":"2017","value":77.1},{"illustrative":true,"period":"2018","value":74.6},` +
		`{"illustrative":false,"period":"2019","value":72.9},{"illustrative":false,"period":"2023","value":70.5},{"illustrative":false,"period":"2024","value":71.2}]}}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}

	if got, want := importPages(), (store.ImportResult{Unchanged: 26}); got != want {
		t.Errorf("the same pages again = %+v, want %+v", got, want)
	}
}
