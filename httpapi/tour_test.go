package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jamforelse/api/httpapi/graphiql"
)

// TestTheTourAnswers runs every query of GraphiQL's tour against the seed, as a visitor's first run of
// each tab would: each validates against the schema and answers without errors, with every top-level
// field present and no list empty (an example that shows nothing teaches nothing). The welcome's
// download links work.
func TestTheTourAnswers(t *testing.T) {
	api := newTestAPI(t, Options{RateLimit: defaultRateLimit, PublicURL: "http://example.test"})
	tour := graphiql.Tour()
	if len(tour) < 4 {
		t.Fatalf("the tour has %d queries, want the welcome and at least three questions", len(tour))
	}
	for i, query := range tour {
		t.Run(fmt.Sprint(i+1), func(t *testing.T) {
			got := api.post(t, query, nil, nil)
			var resp struct {
				Data   map[string]any
				Errors []any
			}
			if err := json.Unmarshal([]byte(got.body), &resp); err != nil || got.status != http.StatusOK || resp.Errors != nil {
				t.Fatalf("%d %.500s", got.status, got.body)
			}
			for field, value := range resp.Data {
				if value == nil {
					t.Errorf("%s is null", field)
				}
			}
			if empty := emptyLists(resp.Data, ""); len(empty) > 0 {
				t.Errorf("empty lists in the answer: %v", empty)
			}
			t.Logf("%s: %s points", strings.SplitN(query, "\n", 2)[0], got.header.Get("X-Query-Cost"))
		})
	}
	t.Run("the welcome's downloads", func(t *testing.T) {
		got := api.post(t, tour[0], nil, nil)
		var resp struct {
			Data struct {
				Dataset struct{ Distributions []struct{ URL string } }
			}
		}
		if err := json.Unmarshal([]byte(got.body), &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.Data.Dataset.Distributions) == 0 {
			t.Fatal("the welcome lists no downloads")
		}
		for _, d := range resp.Data.Dataset.Distributions {
			path, ok := strings.CutPrefix(d.URL, "http://example.test")
			if !ok {
				t.Errorf("download %s is not under the public URL", d.URL)
				continue
			}
			if got := api.send(t, "GET", path, nil, nil); got.status != http.StatusOK {
				t.Errorf("GET %s = %d", d.URL, got.status)
			}
		}
	})
}

// emptyLists gives the paths of the lists in v that have no items.
func emptyLists(v any, path string) []string {
	var empty []string
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			empty = append(empty, emptyLists(item, path+"."+k)...)
		}
	case []any:
		if len(v) == 0 {
			return []string{path}
		}
		for i, item := range v {
			empty = append(empty, emptyLists(item, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return empty
}
