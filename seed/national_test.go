package seed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/jamforelse/api/store"
)

// BenchmarkTermImportNational imports one municipality's results for a term on the national data set,
// every figure changed, in one write that also decides the suppression of every figure they add up with
// (the municipality's and its providers' figures for the year): for a small municipality (14 providers)
// and for the largest (2,000 SFI providers). The generated data set stores each provider's figures
// together, so a term's figures lie one to a page, 24,021 pages for the largest; "stored-together" first
// deletes the term and imports it again, so that its figures lie together as an import of a term leaves
// them, and then times its corrections. NATIONAL_DB names a file `server generate` made; without it the
// data set is generated once into the temporary directory, which takes a few minutes.
func BenchmarkTermImportNational(b *testing.B) {
	path := os.Getenv("NATIONAL_DB")
	if path == "" {
		path = filepath.Join(os.TempDir(), "jamforelse-national-v2.db")
	}
	ctx := context.Background()
	if _, err := os.Stat(path); err != nil {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := LoadNational(ctx, db, func(string) {}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	for _, run := range []struct {
		code     string
		together bool
	}{{"2001", false}, {"2000", false}, {"2000", true}} {
		name := run.code
		if run.together {
			name += "/stored-together"
		}
		code := run.code
		b.Run(name, func(b *testing.B) {
			source, err := store.Open(ctx, path, store.Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			copyPath := filepath.Join(b.TempDir(), "national.db")
			err = source.Snapshot(ctx, copyPath)
			source.Close()
			if err != nil {
				b.Fatal(err)
			}
			db, err := store.Open(ctx, copyPath, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			term := termOf(b, db, code, "2019-HT")
			if run.together {
				storeTogether(b, db, term)
			}
			b.ResetTimer()
			for i := range b.N {
				for j, o := range term {
					// Whole (a count or a sum of money takes it too), and under 50 (parts of one whole, such as pass
					// and dropout rates, add up to at most 100 %).
					v, n := float64((i*7+j)%50), 3+(i*13+j)%200
					o.Value, o.SampleSize = &v, &n
				}
				if _, err := db.ImportObservations(ctx, store.Change{Actor: "bench", Operation: "importObservations"}, term, store.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(term)), "figures/op")
		})
	}
}

// storeTogether deletes the term's figures and imports them again (with values the timed imports all
// change), so that they are stored one after the other.
func storeTogether(b *testing.B, db *store.DB, term []*store.Observation) {
	ctx := context.Background()
	ids := make([]string, len(term))
	for j, o := range term {
		ids[j] = o.ID()
		v, n := float64((j+1)%50), 3+j%200
		o.Value, o.SampleSize = &v, &n
	}
	ch := store.Change{Actor: "bench", Operation: "deleteObservations", Reason: ptr("to store the term together")}
	if err := db.DeleteObservations(ctx, ch, ids); err != nil {
		b.Fatal(err)
	}
	ch.Operation = "importObservations"
	if res, err := db.ImportObservations(ctx, ch, term, store.ImportOptions{}); err != nil || res.Added != len(term) {
		b.Fatalf("%+v, %v", res, err)
	}
}

// termOf lists the figures of a municipality and its providers for a period, to import again.
func termOf(b *testing.B, db *store.DB, code, period string) []*store.Observation {
	c, err := db.Catalog(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	var out []*store.Observation
	var after *string
	for {
		page, err := db.Observations(context.Background(), c, store.ObservationFilter{Municipality: &code, Period: &period}, store.ObservationOrder{},
			store.PageArgs{First: ptr(store.MaxObservationPage), After: after})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range page.Edges {
			o := e.Node
			out = append(out, &store.Observation{MetricID: o.MetricID, ProviderID: o.ProviderID, MunicipalityCode: o.MunicipalityCode,
				Period: o.Period, Status: store.StatusFinal, SourceID: o.SourceID})
		}
		if !page.PageInfo.HasNextPage {
			break
		}
		after = page.PageInfo.EndCursor
	}
	if len(out) == 0 {
		b.Fatal(fmt.Sprintf("no figures of %s in %s", code, period))
	}
	return out
}
