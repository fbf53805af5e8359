package kolada_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jamforelse/api/kolada"
	"github.com/jamforelse/api/store"
)

// FuzzParse: any file is read or refused, never a panic; every figure read passes the one door's rules
// (store.FigureProblems), with finite values and valid text, is about a place the data set holds, and
// appears once, among the figures or the removals.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	more, _ := filepath.Glob("testdata/v3/*.json")
	for _, name := range append(files, more...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(`{"values": []} {"values": [`)
	f.Add(`{"illustrative": true, "values": []}`)
	in := into(f)
	metrics, places := map[string]*store.Metric{}, map[string]bool{}
	for _, m := range in.Metrics {
		metrics[m.ID] = m
	}
	for _, m := range in.Municipalities {
		places[m.Code] = true
	}
	f.Fuzz(func(t *testing.T, file string) {
		res, err := kolada.Parse(strings.NewReader(file), in)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, o := range append(res.Observations, res.Removed...) {
			if seen[o.ID()] {
				t.Fatalf("%s is read twice", o.ID())
			}
			seen[o.ID()] = true
			if !places[o.MunicipalityCode] || o.SourceID != in.SourceID || !utf8.ValidString(o.ID()) {
				t.Fatalf("%s: place %q, source %q", o.ID(), o.MunicipalityCode, o.SourceID)
			}
		}
		for _, o := range res.Observations {
			if ps := store.FigureProblems(o, metrics[o.MetricID]); len(ps) > 0 {
				t.Fatalf("%s was accepted but breaks the store's rules: %v", o.ID(), ps)
			}
			for _, x := range []*float64{o.Value, o.ValueWomen, o.ValueMen} {
				if x != nil && (math.IsNaN(*x) || math.IsInf(*x, 0)) {
					t.Fatalf("%s: %v accepted", o.ID(), *x)
				}
			}
		}
	})
}
