package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// nationalDB opens the national scale data set, generating it on first use into the system's temp
// folder (about a minute), or opening NATIONAL_DB if set. Benchmarks share it across runs.
func nationalDB(b *testing.B) (*store.DB, string) {
	b.Helper()
	path := os.Getenv("NATIONAL_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "jamforelse-national-v2.db")
	}
	if _, err := os.Stat(path); err != nil {
		b.Logf("generating the national data set into %s", path)
		db, err := store.Open(context.Background(), path+".tmp", store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := seed.LoadNational(context.Background(), db, func(string) {}); err != nil {
			b.Fatal(err)
		}
		db.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Rename(path+".tmp"+suffix, path+suffix)
		}
	}
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, path
}

var benchOps = []struct {
	name string
	vars map[string]any
}{
	{"Overview", nil},
	{"MetricCatalogue", nil},
	{"Collaboration", nil},
	{"PriceLists", map[string]any{"serviceArea": "ServiceArea:sfi"}},
	{"Providers", map[string]any{"filter": map[string]any{"serviceArea": "ServiceArea:sfi"}, "first": 20}},
	{"ProviderProfile", map[string]any{"id": "Provider:generated-00042"}},
	{"ComparisonTable", map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate"}}},
	{"SyncObservations", nil},
}

// comparison2000 is the dashboard's ComparisonTable for the largest municipality: 2,000 SFI providers
// and six metrics.
func comparison2000(b *testing.B) (string, map[string]any) {
	src, err := os.ReadFile("../graph/testdata/spa/ComparisonTable.graphql")
	if err != nil {
		b.Fatal(err)
	}
	return withMunicipality(string(src)), map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2015-HT", "municipality": "2000",
		"metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate", "Metric:sfi-grade-a-b-share", "Metric:sfi-transition-rate",
			"Metric:sfi-passed-courses", "Metric:sfi-cost-per-passed-course"}}
}

// withMunicipality gives the dashboard's ComparisonTable operation the variable $municipality, which
// the dashboard leaves out (it compares Sundbyberg, the default).
func withMunicipality(query string) string {
	query = strings.Replace(query, "$operatingForms: [OperatingForm!]\n)", "$operatingForms: [OperatingForm!]\n  $municipality: String\n)", 1)
	return strings.Replace(query, "operatingForms: $operatingForms\n  )", "operatingForms: $operatingForms\n    municipality: $municipality\n  )", 1)
}

// graphqlOnly is the /graphql route with its authentication, without the middleware all routes share
// (request IDs, the request log, CORS): what the benchmarks have measured from the start.
func graphqlOnly(db *store.DB, opts Options) http.Handler {
	opts = withDefaults(opts)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	return authenticate(logger, db)(newGraphQLHandler(logger, db, newLimiter(opts.RateLimit, clients{}, nil), opts))
}

// benchmarkQuery posts a query again and again from as many clients as processors. A client that sends
// acceptEncoding "gzip" gets what a browser gets from the answer cache: the kept, compressed answer.
func benchmarkQuery(b *testing.B, h http.Handler, query string, vars map[string]any, acceptEncoding string) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	do := func() int {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", acceptEncoding)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		// A gzipped answer came from the cache, which keeps only answers without errors.
		if rec.Code != 200 || (rec.Header().Get("Content-Encoding") != "gzip" && bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`))) {
			b.Fatalf("%d %.300s", rec.Code, rec.Body)
		}
		return rec.Body.Len()
	}
	b.SetBytes(int64(do()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			do()
		}
	})
}

// BenchmarkDashboard runs every operation of the dashboard on the national data set through the
// whole GraphQL handler, with as many clients as processors.
func BenchmarkDashboard(b *testing.B) {
	db, _ := nationalDB(b)
	h := graphqlOnly(db, Options{})
	for _, op := range benchOps {
		b.Run(op.name, func(b *testing.B) {
			src, err := os.ReadFile("../graph/testdata/spa/" + op.name + ".graphql")
			if err != nil {
				b.Fatal(err)
			}
			benchmarkQuery(b, h, string(src), op.vars, "")
		})
	}
	b.Run("ComparisonTable2000", func(b *testing.B) {
		q, vars := comparison2000(b)
		benchmarkQuery(b, h, q, vars, "")
	})
	b.Run("ComparisonTableSmall", func(b *testing.B) { // 14 providers × 6 metrics
		q, vars := comparison2000(b)
		vars["municipality"] = "2001"
		benchmarkQuery(b, h, q, vars, "")
	})
	// The sync's largest page, 1,000 observations with totalCount, first and further on.
	src, err := os.ReadFile("../graph/testdata/spa/SyncObservations.graphql")
	if err != nil {
		b.Fatal(err)
	}
	sync := strings.Replace(string(src), "first: 500", "first: 1000", 1)
	b.Run("SyncObservations1000", func(b *testing.B) { benchmarkQuery(b, h, sync, nil, "") })
	b.Run("SyncObservations1000Later", func(b *testing.B) {
		benchmarkQuery(b, h, sync, map[string]any{"after": syncCursor(b, h, sync, 100)}, "")
	})
}

// syncCursor walks pages of the sync query and returns the cursor after the last of them.
func syncCursor(b *testing.B, h http.Handler, query string, pages int) string {
	var after any
	for range pages {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"after": after}})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		var answer struct {
			Data struct {
				Observations struct{ PageInfo struct{ EndCursor string } }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer.Data.Observations.PageInfo.EndCursor == "" {
			b.Fatalf("%v %.300s", err, rec.Body)
		}
		after = answer.Data.Observations.PageInfo.EndCursor
	}
	return after.(string)
}

// BenchmarkDashboardCached is BenchmarkDashboard as readers meet it on the server: through the answer
// cache, once the first reader has asked. "Gzip" clients take the kept answer as it is; plain ones
// have it unpacked for them.
func BenchmarkDashboardCached(b *testing.B) {
	db, _ := nationalDB(b)
	h := graphqlOnly(db, Options{CacheSize: 32 << 20})
	q, vars := comparison2000(b)
	for _, encoding := range []string{"gzip", ""} {
		name := "ComparisonTable2000/" + cmp.Or(encoding, "plain")
		b.Run(name, func(b *testing.B) { benchmarkQuery(b, h, q, vars, encoding) })
	}
	src, err := os.ReadFile("../graph/testdata/spa/ProviderProfile.graphql")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ProviderProfile/gzip", func(b *testing.B) {
		benchmarkQuery(b, h, string(src), map[string]any{"id": "Provider:generated-00042"}, "gzip")
	})
}

// BenchmarkComparisonRaw is the baseline for BenchmarkDashboard/ComparisonTable2000: the same answer,
// byte for byte in meaning, built without GraphQL. It runs the store's hand-written SQL and assembly
// (store.Comparison, as the resolver does) and encodes the fields the dashboard asks for with
// encoding/json, so the difference between the two, measured in one run, is what the GraphQL layer
// costs. Before timing, it checks that its answer equals the GraphQL handler's.
func BenchmarkComparisonRaw(b *testing.B) {
	db, _ := nationalDB(b)
	query, vars := comparison2000(b)
	args := store.ComparisonArgs{ServiceArea: vars["serviceArea"].(string), Period: vars["period"].(string),
		Metrics: vars["metrics"].([]string), Municipality: vars["municipality"].(string)}
	build := func() []byte {
		c, err := db.Catalog(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		cmpn, err := db.Comparison(b.Context(), c, args)
		if err != nil {
			b.Fatal(err)
		}
		return comparisonJSON(c, cmpn)
	}
	api := newTestAPIFor(b, db, Options{})
	if diff := sameAnswer([]byte(api.post(b, query, vars, nil).body), build()); diff != "" {
		b.Fatalf("the baseline's answer differs from the GraphQL handler's: %s", diff)
	}
	b.SetBytes(int64(len(build())))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			build()
		}
	})
}

// comparisonJSON encodes a comparison with encoding/json, as the dashboard's ComparisonTable operation
// asks for it, marked illustrative as the handler marks it.
func comparisonJSON(cat *store.Catalog, c *store.Comparison) []byte {
	type id struct {
		ID string `json:"id"`
	}
	type metric struct {
		ID        string                `json:"id"`
		Name      string                `json:"name"`
		Unit      store.MetricUnit      `json:"unit"`
		Direction store.MetricDirection `json:"direction"`
	}
	type provider struct {
		ID            string              `json:"id"`
		Name          string              `json:"name"`
		OperatingForm store.OperatingForm `json:"operatingForm"`
	}
	type cell struct {
		Metric       id       `json:"metric"`
		Value        *float64 `json:"value"`
		ValueWomen   *float64 `json:"valueWomen"`
		ValueMen     *float64 `json:"valueMen"`
		SampleSize   *int     `json:"sampleSize"`
		Suppressed   bool     `json:"suppressed"`
		Rank         *int     `json:"rank"`
		RankOf       *int     `json:"rankOf"`
		Illustrative bool     `json:"illustrative"`
	}
	type row struct {
		Provider provider `json:"provider"`
		Cells    []cell   `json:"cells"`
	}
	type summary struct {
		OperatingForm *store.OperatingForm `json:"operatingForm"`
		Metric        id                   `json:"metric"`
		Mean          *float64             `json:"mean"`
		Median        *float64             `json:"median"`
		Min           *float64             `json:"min"`
		Max           *float64             `json:"max"`
		ProviderCount int                  `json:"providerCount"`
	}
	type source struct {
		Title string  `json:"title"`
		URL   *string `json:"url"`
	}
	type municipality struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	type reference struct {
		Metric       id                   `json:"metric"`
		Scope        store.ReferenceScope `json:"scope"`
		Municipality municipality         `json:"municipality"`
		Value        *float64             `json:"value"`
		Source       source               `json:"source"`
	}
	type comparison struct {
		Period      string      `json:"period"`
		PeriodStart store.Date  `json:"periodStart"`
		PeriodEnd   store.Date  `json:"periodEnd"`
		Metrics     []metric    `json:"metrics"`
		Rows        []row       `json:"rows"`
		Summaries   []summary   `json:"summaries"`
		References  []reference `json:"references"`
	}
	out := comparison{Period: c.Period, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd,
		Metrics: []metric{}, Rows: []row{}, Summaries: []summary{}, References: []reference{}}
	for _, m := range c.Metrics {
		out.Metrics = append(out.Metrics, metric{m.ID, m.Name, m.Unit, m.Direction})
	}
	for _, r := range c.Rows {
		cells := make([]cell, len(r.Cells))
		for i, x := range r.Cells {
			cells[i] = cell{id{x.Metric.ID}, x.Value, x.ValueWomen, x.ValueMen, x.SampleSize, x.Suppressed, x.Rank, x.RankOf, x.Illustrative}
		}
		out.Rows = append(out.Rows, row{provider{r.Provider.ID, r.Provider.Name, r.Provider.OperatingForm}, cells})
	}
	for _, x := range c.Summaries {
		out.Summaries = append(out.Summaries, summary{x.OperatingForm, id{x.Metric.ID}, x.Mean, x.Median, x.Min, x.Max, x.ProviderCount})
	}
	for _, x := range c.References {
		out.References = append(out.References, reference{id{x.Metric.ID}, x.Scope,
			municipality{x.Municipality.Code, x.Municipality.Name}, x.Value(), source{x.Source.Title, x.Source.URL}})
	}
	sources := c.SourceIDs()
	for _, m := range c.Metrics {
		sources = append(sources, m.SourceID)
	}
	for _, r := range c.Rows {
		sources = append(sources, r.Provider.SourceID)
	}
	for _, r := range c.References {
		sources = append(sources, r.Municipality.SourceID)
	}
	slices.Sort(sources)
	var illustrative []map[string]string
	for _, id := range slices.Compact(sources) {
		if src := cat.Source(id); src != nil && src.Illustrative {
			illustrative = append(illustrative, map[string]string{"id": id, "title": src.Title})
		}
	}
	answer, err := json.Marshal(map[string]any{"data": map[string]any{"comparison": out},
		"extensions": map[string]any{"illustrative": true, "sources": illustrative}})
	if err != nil {
		panic(err)
	}
	return answer
}

// sameAnswer compares two JSON answers by meaning (numbers as numbers, keys in any order) and says how
// they differ, or "" when they are the same.
func sameAnswer(a, b []byte) string {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return "first: " + err.Error()
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return "second: " + err.Error()
	}
	return gocmp.Diff(x, y)
}

// TestBaselineAnswersAsTheGraphDoes checks the benchmarks' baseline on the seed data: for the
// dashboard's comparison, with and without every metric of the area, it answers exactly what the
// GraphQL handler answers, so the ratio of the two measures the GraphQL layer and nothing else.
func TestBaselineAnswersAsTheGraphDoes(t *testing.T) {
	api := newTestAPI(t, Options{})
	query, vars := comparisonTable(t)
	for _, metrics := range [][]string{vars["metrics"].([]string), nil} {
		c, err := api.db.Catalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		cmpn, err := api.db.Comparison(t.Context(), c, store.ComparisonArgs{ServiceArea: "ServiceArea:sfi", Period: "2018", Metrics: metrics, Municipality: "0183"})
		if err != nil {
			t.Fatal(err)
		}
		graph := []byte(api.post(t, query, map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2018", "metrics": metrics}, nil).body)
		if diff := sameAnswer(graph, comparisonJSON(c, cmpn)); diff != "" {
			t.Errorf("metrics %v: the baseline differs from the GraphQL answer (-graph +baseline):\n%s", metrics, diff)
		}
		if len(cmpn.Rows) == 0 || len(cmpn.References) == 0 || len(cmpn.Summaries) == 0 {
			t.Errorf("metrics %v: the comparison has %d rows, %d summaries, %d references; want some of each", metrics, len(cmpn.Rows), len(cmpn.Summaries), len(cmpn.References))
		}
	}
}
