package graph

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/store"
)

// mirror copies observations through the API as a script would: it notes dataset.updatedAt before it
// starts, pages through observations changed since the last sync and through deletions since then, and
// returns the time to sync from next.
func mirror(t *testing.T, api *testAPI, copy map[string]string, since any) any {
	t.Helper()
	start := api.mustQuery(t, `{ dataset { updatedAt } }`, nil)["dataset"].(map[string]any)["updatedAt"]
	var after any
	for {
		data := api.mustQuery(t, `query($after: String, $since: DateTime) {
			observations(first: 7, after: $after, filter: {updatedSince: $since}) {
				pageInfo { hasNextPage endCursor }
				nodes { id value valueWomen valueMen sampleSize suppressed status note updatedAt source { id } }
			} }`, map[string]any{"after": after, "since": since})["observations"].(map[string]any)
		for _, n := range asList(data["nodes"]) {
			fields, _ := json.Marshal(n)
			copy[n["id"].(string)] = string(fields)
		}
		info := data["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			break
		}
		after = info["endCursor"]
	}
	after = nil
	for {
		data := api.mustQuery(t, `query($after: String, $since: DateTime) {
			deletions(first: 2, after: $after, since: $since) { pageInfo { hasNextPage endCursor } nodes { id type } }
		}`, map[string]any{"after": after, "since": since})["deletions"].(map[string]any)
		for _, n := range asList(data["nodes"]) {
			delete(copy, n["id"].(string))
		}
		info := data["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			break
		}
		after = info["endCursor"]
	}
	return start
}

// TestMirrorStaysAnExactCopy plays a mirror: a full sync, then an addition, a correction and two
// deletions (one of a figure added since the full sync), then an incremental sync. The mirror then
// equals a fresh full copy, and the incremental sync fetched only what changed.
var testChange = store.Change{Actor: "tests", Operation: "test", Reason: &testReason}

var testReason = "a test"

func TestMirrorStaysAnExactCopy(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	copy := map[string]string{}
	since := mirror(t, api, copy, nil)
	if len(copy) < 100 {
		t.Fatalf("the full sync copied %d observations, want the whole seed set", len(copy))
	}

	provider := "Provider:sundbyberg-vuxenutbildning"
	added, corrected, alsoAdded := 12.5, 87.4, 1.0
	n := 40
	_, err := api.db.ImportObservations(t.Context(), testChange, []*store.Observation{
		{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2020", Value: &added, SampleSize: &n, Status: store.StatusPreliminary, SourceID: "Source:illustrative-results"},
		{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2018", Value: &corrected, SampleSize: &n, Status: store.StatusRevised, SourceID: "Source:illustrative-results"},
		{MetricID: "Metric:sfi-dropout-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2020", Value: &alsoAdded, SampleSize: &n, Status: store.StatusPreliminary, SourceID: "Source:illustrative-results"},
	}, store.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.db.DeleteObservations(t.Context(), testChange, []string{
		"Observation:sfi-dropout-rate/sundbyberg-vuxenutbildning/2017",
		"Observation:sfi-dropout-rate/sundbyberg-vuxenutbildning/2020",
	}); err != nil {
		t.Fatal(err)
	}

	changed := map[string]string{}
	mirror(t, api, changed, since)
	changedIDs := slices.Sorted(func(yield func(string) bool) {
		for id := range changed {
			if !yield(id) {
				return
			}
		}
	})
	if diff := cmp.Diff([]string{"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2018", "Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2020"}, changedIDs); diff != "" {
		t.Errorf("the incremental sync fetched (-want +got):\n%s", diff)
	}
	mirror(t, api, copy, since)
	fresh := map[string]string{}
	mirror(t, api, fresh, nil)
	if diff := cmp.Diff(fresh, copy); diff != "" {
		t.Errorf("the mirror differs from a fresh copy (-fresh +mirror):\n%s", diff)
	}
}

func TestSearch(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	tests := []struct {
		text    string
		wantTop string // the best hit's ID
	}{
		{"sodertalje stockholms", "Municipality:0181"}, // the municipality, not its agency of the same name: the county is in its text
		{"SÖDERTÄLJE samordningsförbundet", "CoordinationAssociation:sodertalje"},
		{"forsakringskassan", "Agency:forsakringskassan"},
		{"språkbron", "Provider:sprakbron-utbildning"},
		{"N18946 godkända", "Metric:sfi-pass-rate"}, // the Kolada ID and a word of the name
		{"kolada", "Source:kolada"},
		{"pass rate", "Metric:sfi-pass-rate"},                                      // English: the metric's English name
		{"dropout basic", "Metric:basic-dropout-rate"},                             // English, several words
		{"bron", "Provider:sprakbron-utbildning"},                                  // part of a word
		{"kansliet", "Office:sundbyberg-kvalitetskansli"},                          // the end of a word
		{"nämnden föreslås", "AuthorisationScheme:0183-gymnasial-vuxenutbildning"}, // a scheme's note
		{"sjukskrivna", "CoordinationAssociation:sundbyberg"},                      // a target group's description
		{"bron ab", "Provider:sprakbron-utbildning"},                               // a word too short for trigrams, found by LIKE
		{"SFI qx", ""},                      // a word too short for trigrams must match too
		{`"unbalanced (quotes* AND OR`, ""}, // no syntax error, just no hits
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			data := api.mustQuery(t, `query($text: String!) { search(text: $text, first: 5) { node { id } score snippet } }`, map[string]any{"text": tt.text})
			hits := asList(data["search"])
			if tt.wantTop == "" {
				if len(hits) != 0 {
					t.Errorf("search(%q) = %d hits, want none", tt.text, len(hits))
				}
				return
			}
			if len(hits) == 0 || hits[0]["node"].(map[string]any)["id"] != tt.wantTop {
				t.Fatalf("search(%q) = %v, want %s first", tt.text, hits, tt.wantTop)
			}
		})
	}
	if r := api.query(t, `{ search(text: "  ") { score } }`, nil); !slices.Contains(r.codes(), CodeBadUserInput) {
		t.Errorf("search for nothing = %s, want BAD_USER_INPUT", r.raw)
	}
}
