package httpapi

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestIllustrativeAnswersSaySo: an answer holding any invented figure says so at its top level, with the
// sources, whatever the query selected, also when it comes from the answer cache (graph marks the answer
// as it is built; the cache keeps the mark with the bytes); an answer holding only real figures has no
// such mark.
func TestIllustrativeAnswersSaySo(t *testing.T) {
	db := seeded(t)
	api := newTestAPIFor(t, db, Options{})
	cached := newTestAPIFor(t, db, Options{CacheSize: 1 << 20})
	tests := []struct {
		name, query string
		sources     []string // the illustrative sources named, or none
	}{
		{"only the value of an invented figure", `{ node(id: "Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2018") { ... on Observation { value } } }`,
			[]string{"Source:illustrative-results"}},
		{"only the means of a comparison", `{ comparison(serviceArea: "ServiceArea:sfi", period: "2018") { summaries { mean } } }`,
			[]string{"Source:illustrative-kolada", "Source:illustrative-results"}},
		{"only how many figures there are", `{ observations(filter: {serviceArea: "ServiceArea:sfi"}, first: 5) { totalCount } }`,
			[]string{"Source:illustrative-results"}},
		{"only the names of invented providers", `{ providers(first: 3) { nodes { name } } }`, []string{"Source:illustrative-providers"}},
		// The provider is invented, its figures too, and the reference lines beside them.
		{"a time series", `{ node(id: "Provider:nordljus-larande") { ... on Provider { series(metric: "Metric:sfi-pass-rate") { points { value } } } } }`,
			[]string{"Source:illustrative-kolada", "Source:illustrative-providers", "Source:illustrative-results"}},
		{"the real figures of the follow-up of erroneous payments", `{ observations(filter: {serviceArea: "ServiceArea:ekonomiskt-bistand"}) { nodes { value } } }`, nil},
		{"the data set's title", `{ dataset { title } }`, nil},
		{"the real association", `{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation { annualBudget { sek } } } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, via := range []*testAPI{api, cached, cached} { // the last from the cache
				r := via.post(t, tt.query, nil, nil)
				if want := []string{"", "MISS", "HIT"}[i]; r.header.Get("X-Cache") != want {
					t.Errorf("request %d: X-Cache %q, want %q", i+1, r.header.Get("X-Cache"), want)
				}
				var answer struct {
					Errors     []any `json:"errors"`
					Extensions struct {
						Illustrative *bool `json:"illustrative"`
						Sources      []struct {
							ID, Title string
						} `json:"sources"`
					} `json:"extensions"`
				}
				if err := json.Unmarshal([]byte(r.body), &answer); err != nil || len(answer.Errors) > 0 {
					t.Fatalf("%v: %s", err, r.body)
				}
				var ids []string
				for _, s := range answer.Extensions.Sources {
					ids = append(ids, s.ID)
					if s.Title == "" {
						t.Errorf("source %s has no title in the answer", s.ID)
					}
				}
				if marked := answer.Extensions.Illustrative != nil && *answer.Extensions.Illustrative; marked != (tt.sources != nil) || !slices.Equal(ids, tt.sources) {
					t.Errorf("X-Cache %q: extensions say illustrative %v, sources %v; want %v %v: %.300s", r.header.Get("X-Cache"),
						answer.Extensions.Illustrative, ids, tt.sources != nil, tt.sources, r.body)
				}
			}
		})
	}
}
