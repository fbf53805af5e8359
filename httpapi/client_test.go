package httpapi

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	npm "github.com/jamforelse/api/clients"
)

// TestARealClientLibrary drives the server with urql (@urql/core, clients/urql.mjs), which adds
// __typename everywhere: every operation of the dashboard answers without errors, and a full sync of
// the seed by the README's loop, 1,000 a page with every field, copies every observation; under the
// default limits, no answer is 429.
func TestARealClientLibrary(t *testing.T) {
	npm.Dir(t)
	srv, _ := newTestServer(t, Options{RateLimit: defaultRateLimit})
	root, _ := filepath.Abs("..")
	out, err := npm.Run(t, "node", "urql.mjs", srv.URL, root)
	if err != nil {
		t.Fatalf("urql: %v\n%s", err, out)
	}
	var got struct {
		Dashboard []struct {
			Name   string
			Error  *string
			Fields []string
		}
		Sync struct {
			Observations, Deletions, Pages, Typenames int
			Errors                                    []string
		}
		Answers []struct {
			Operation string
			Status    int
			Cost      int
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	files, _ := filepath.Glob("../graph/testdata/spa/*.graphql")
	if len(got.Dashboard) != len(files) {
		t.Errorf("urql ran %d of the dashboard's %d operations", len(got.Dashboard), len(files))
	}
	for _, op := range got.Dashboard {
		if op.Error != nil || len(op.Fields) == 0 {
			t.Errorf("%s: error %v, fields %v", op.Name, deref(op.Error), op.Fields)
		}
	}
	total := 0
	for _, a := range got.Answers {
		if a.Status != 200 {
			t.Errorf("%s answered %d", a.Operation, a.Status)
		}
		total += a.Cost
	}
	want := countObservations(t, srv.URL)
	if len(got.Sync.Errors) > 0 || got.Sync.Observations != want || got.Sync.Typenames == 0 {
		t.Errorf("the sync: %+v; want all %d observations, no errors, nodes with __typename", got.Sync, want)
	}
	t.Logf("urql: %d answers, %d points in all; the sync copied %d observations in %d pages", len(got.Answers), total, got.Sync.Observations, got.Sync.Pages)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// mustGet posts a query and returns the body of its answer.
func mustGet(t *testing.T, url, query string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, answer := fetch(t, "POST", url+"/graphql", map[string]string{"Content-Type": "application/json"}, string(body))
	if resp.StatusCode != 200 || strings.Contains(answer, `"errors"`) {
		t.Fatalf("%s: %d %s", query, resp.StatusCode, answer)
	}
	return answer
}

func countObservations(t *testing.T, url string) int {
	var r struct {
		Data struct{ Observations struct{ TotalCount int } }
	}
	if err := json.Unmarshal([]byte(mustGet(t, url, `{ observations { totalCount } }`)), &r); err != nil {
		t.Fatal(err)
	}
	return r.Data.Observations.TotalCount
}
