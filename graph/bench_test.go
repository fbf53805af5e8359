package graph

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
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

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

// nationalDB opens the national scale data set, generating it on first use into the system's temp
// folder (about a minute), or opening NATIONAL_DB if set. Benchmarks share it across runs.
func nationalDB(b *testing.B) (*store.DB, string) {
	b.Helper()
	path := os.Getenv("NATIONAL_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "jamforelse-national-v1.db")
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
	src, err := os.ReadFile("testdata/spa/ComparisonTable.graphql")
	if err != nil {
		b.Fatal(err)
	}
	q := strings.Replace(string(src), "$operatingForms: [OperatingForm!]\n)", "$operatingForms: [OperatingForm!]\n  $municipality: String\n)", 1)
	q = strings.Replace(q, "operatingForms: $operatingForms\n  )", "operatingForms: $operatingForms\n    municipality: $municipality\n  )", 1)
	return q, map[string]any{"serviceArea": "ServiceArea:sfi", "period": "2015-HT", "municipality": "2000",
		"metrics": []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate", "Metric:sfi-grade-a-b-share", "Metric:sfi-transition-rate",
			"Metric:sfi-passed-courses", "Metric:sfi-cost-per-passed-course"}}
}

func benchmarkQuery(b *testing.B, h http.Handler, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	do := func() int {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
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
	h := NewHandler(db, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{})
	for _, op := range benchOps {
		b.Run(op.name, func(b *testing.B) {
			src, err := os.ReadFile("testdata/spa/" + op.name + ".graphql")
			if err != nil {
				b.Fatal(err)
			}
			benchmarkQuery(b, h, string(src), op.vars)
		})
	}
	b.Run("ComparisonTable2000", func(b *testing.B) {
		q, vars := comparison2000(b)
		benchmarkQuery(b, h, q, vars)
	})
}

// BenchmarkComparisonRaw builds the same ComparisonTable answer for 2,000 providers and six metrics
// by hand: one SQL statement for the figures, the rows and ranks in plain Go, and encoding/json. It is
// the baseline that shows what the GraphQL layer costs (BenchmarkDashboard/ComparisonTable2000 in the
// same run). Like the service it reads providers from memory and suppresses small samples; it leaves
// out the summaries and references.
func BenchmarkComparisonRaw(b *testing.B) {
	_, path := nationalDB(b)
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	type provider struct{ ID, Name, Form string }
	providers := map[string]provider{}
	rows, err := raw.Query(`SELECT id, name, operating_form FROM providers WHERE municipality_code = '2000'`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var p provider
		rows.Scan(&p.ID, &p.Name, &p.Form)
		providers[p.ID] = p
	}
	rows.Close()
	metrics := []string{"Metric:sfi-pass-rate", "Metric:sfi-dropout-rate", "Metric:sfi-grade-a-b-share", "Metric:sfi-transition-rate", "Metric:sfi-passed-courses", "Metric:sfi-payments"}
	list, _ := json.Marshal(metrics)
	build := func() []byte {
		rows, err := raw.Query(`SELECT provider_id, metric_id, value, value_women, value_men, sample_size FROM observations
			WHERE metric_id IN (SELECT value FROM json_each(?1)) AND period = '2015-HT' AND municipality_code = '2000' AND provider_id IS NOT NULL`, string(list))
		if err != nil {
			b.Fatal(err)
		}
		type cell struct {
			Metric     string   `json:"metric"`
			Value      *float64 `json:"value"`
			ValueWomen *float64 `json:"valueWomen"`
			ValueMen   *float64 `json:"valueMen"`
			SampleSize *int     `json:"sampleSize"`
			Suppressed bool     `json:"suppressed"`
			Rank       *int     `json:"rank"`
		}
		type row struct {
			Provider provider `json:"provider"`
			Cells    []*cell  `json:"cells"`
		}
		byProvider := map[string]*row{}
		for rows.Next() {
			var pid string
			c := new(cell)
			rows.Scan(&pid, &c.Metric, &c.Value, &c.ValueWomen, &c.ValueMen, &c.SampleSize)
			if c.SampleSize != nil && *c.SampleSize < 10 {
				c.Value, c.ValueWomen, c.ValueMen, c.SampleSize, c.Suppressed = nil, nil, nil, nil, true
			}
			r := byProvider[pid]
			if r == nil {
				r = &row{Provider: providers[pid]}
				byProvider[pid] = r
			}
			r.Cells = append(r.Cells, c)
		}
		rows.Close()
		var out []*row
		for _, r := range byProvider {
			out = append(out, r)
		}
		for m := range metrics { // rank each column, higher is better, equal values sharing a rank
			var column []*cell
			for _, r := range out {
				if m < len(r.Cells) && r.Cells[m].Value != nil {
					column = append(column, r.Cells[m])
				}
			}
			slices.SortFunc(column, func(a, b *cell) int { return cmp.Compare(*b.Value, *a.Value) })
			for i, c := range column {
				rank := i + 1
				if i > 0 && *c.Value == *column[i-1].Value {
					rank = *column[i-1].Rank
				}
				c.Rank = &rank
			}
		}
		answer, _ := json.Marshal(map[string]any{"data": map[string]any{"comparison": map[string]any{"rows": out}}})
		return answer
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
