package export_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/seed/seedtest"
	"github.com/jamforelse/api/store"
)

// bigDB is the seed data plus n generated observations for 200 extra providers, one per metric,
// provider and year from 1900 on.
func bigDB(b *testing.B, n int) *store.DB {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "big.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ds, err := seed.Data()
	if err != nil {
		b.Fatal(err)
	}
	var providers []string
	for i := range 200 {
		id := fmt.Sprintf("Provider:bench-%03d", i)
		providers = append(providers, id)
		ds.Providers = append(ds.Providers, &store.Provider{ID: id, Name: id, OperatingForm: store.Private, MunicipalityCode: "0183", SourceID: "Source:illustrative-providers"})
	}
	if err := db.Replace(ctx, ds); err != nil {
		b.Fatal(err)
	}
	var metrics []string
	for _, m := range ds.Metrics {
		if m.Formula == nil {
			metrics = append(metrics, m.ID)
		}
	}
	observations := func(yield func(*store.Observation, error) bool) {
		for i := range n {
			p := providers[i%len(providers)]
			rest := i / len(providers)
			value, size := float64(i%1000)/10, 5+i%40
			o := &store.Observation{MetricID: metrics[rest%len(metrics)], ProviderID: &p, MunicipalityCode: "0183",
				Period: fmt.Sprint(1900 + rest/len(metrics)), Value: &value, SampleSize: &size,
				Status: store.StatusFinal, SourceID: "Source:illustrative-results"}
			if !yield(o, nil) {
				return
			}
		}
	}
	start := time.Now()
	added, err := db.AddObservations(ctx, store.Change{Actor: "benchmark", Operation: "load"}, iter.Seq2[*store.Observation, error](observations), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d observations in %s", added, time.Since(start).Round(time.Millisecond))
	return db
}

// BenchmarkExportObservations writes the observations table as CSV to nowhere and reports the peak
// heap in use while it runs: the same at 100,000 and at 1,000,000 rows, since rows are streamed.
func BenchmarkExportObservations(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := bigDB(b, n)
			c, err := db.Catalog(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			var peak atomic.Uint64
			done := make(chan struct{})
			go func() {
				var m runtime.MemStats
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
					select {
					case <-done:
						return
					case <-tick.C:
					}
				}
			}()
			b.ResetTimer()
			for b.Loop() {
				counter := &countingWriter{}
				if _, err := export.Write(context.Background(), counter, db, c, export.File{Table: "observations", Format: export.CSV}, export.Filter{}); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(counter.n)
			}
			b.StopTimer()
			close(done)
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

// TestEveryTableNamesSourceAndIllustrative: every table's rows name their source and say whether they
// are invented.
func TestEveryTableNamesSourceAndIllustrative(t *testing.T) {
	db := seedtest.DB(t)
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range export.Tables() {
		var b bytes.Buffer
		if _, err := export.Write(t.Context(), &b, db, c, export.File{Table: name, Format: export.CSV}, export.Filter{}); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(b.String(), "\n")
		source := "source_id"
		if name == "sources" { // its rows are the sources
			source = "id"
		}
		if columns := strings.Split(strings.TrimSpace(header), ","); !slices.Contains(columns, source) || !slices.Contains(columns, "illustrative") {
			t.Errorf("%s has the columns %v; want source_id and illustrative among them", name, columns)
		}
	}
}
