package csvimport

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jamforelse/api/store"
)

// FuzzParse: any file is read or refused with problems that name the file and a line; it never panics;
// every row read has the line it came from; and every figure read passes the one door's rules
// (store.FigureProblems), with finite values and valid text, so nothing Parse accepts is refused or,
// worse, stored as something a reader cannot use.
func FuzzParse(f *testing.F) {
	template, _ := os.ReadFile("template.csv")
	f.Add(string(template))
	quirks, _ := filepath.Glob("testdata/quirks/*.*")
	for _, q := range quirks {
		if data, err := os.ReadFile(q); err == nil && len(data) < 4096 {
			f.Add(string(data))
		}
	}
	f.Add("metric,provider\n\"unterminated\n")
	f.Add("")
	metrics := seedMetrics(f)
	byID := map[string]*store.Metric{}
	for _, m := range metrics {
		byID[m.ID] = m
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse(strings.NewReader(text), "f.csv", metrics)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("error %q does not start with the file's name", err)
			}
			return
		}
		if len(file.Lines) != len(file.Observations) {
			t.Fatalf("%d rows but %d lines", len(file.Observations), len(file.Lines))
		}
		for i, o := range file.Observations {
			if file.Lines[i] < 2 {
				t.Fatalf("a row on line %d, before the header ends", file.Lines[i])
			}
			if ps := store.FigureProblems(o, byID[o.MetricID]); len(ps) > 0 {
				t.Fatalf("line %d was accepted but breaks the store's rules: %v", file.Lines[i], ps)
			}
			for _, x := range []*float64{o.Value, o.ValueWomen, o.ValueMen} {
				if x != nil && (math.IsNaN(*x) || math.IsInf(*x, 0)) {
					t.Fatalf("line %d: %v accepted", file.Lines[i], *x)
				}
			}
			for _, s := range []string{o.MetricID, o.MunicipalityCode, o.Period, o.SourceID, deref(o.ProviderID), deref(o.Note)} {
				if !utf8.ValidString(s) {
					t.Fatalf("line %d: %q is not valid UTF-8", file.Lines[i], s)
				}
			}
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
