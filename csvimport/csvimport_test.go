package csvimport

import (
	"os"
	"strings"
	"testing"

	"github.com/jamforelse/api/store"
)

func TestTheTemplateParses(t *testing.T) {
	f, err := os.Open("template.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file, err := Parse(f, "template.csv", seedMetrics(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Observations) != 2 || file.Lines[1] != 3 {
		t.Fatalf("template: %d rows, lines %v; want 2 rows on lines 2 and 3", len(file.Observations), file.Lines)
	}
	o := file.Observations[0]
	if o.MetricID != "Metric:sfi-pass-rate" || *o.ProviderID != "Provider:sundbyberg-vuxenutbildning" || *o.Value != 71.5 ||
		*o.SampleSizeWomen != 70 || o.Status != store.StatusPreliminary || o.SourceID != "Source:illustrative-results" {
		t.Errorf("first row = %+v", o)
	}
	if file.Observations[1].ProviderID != nil {
		t.Error("a row with no provider should be about the whole municipality")
	}
}

// TestSwedishSpreadsheets reads a file as a Swedish spreadsheet saves it: a byte-order mark,
// semicolons between fields and decimal commas.
func TestSwedishSpreadsheets(t *testing.T) {
	text := "\uFEFFmetric;provider;municipality;period;value;value_women;value_men;sample_size;sample_size_women;sample_size_men;status;note;source\n" +
		"sfi-pass-rate;sundbyberg-vuxenutbildning;0183;2020;71,5;;;1 200;;;final;\"Kommentar; med semikolon\";illustrative-results\n"
	file, err := Parse(strings.NewReader(text), "svensk.csv", seedMetrics(t))
	if err != nil {
		t.Fatal(err)
	}
	o := file.Observations[0]
	if *o.Value != 71.5 || *o.SampleSize != 1200 || o.Status != store.StatusFinal || *o.Note != "Kommentar; med semikolon" {
		t.Errorf("row = value %v, n %v, status %s, note %q", *o.Value, *o.SampleSize, o.Status, *o.Note)
	}
}

func TestProblemsNameFileLineAndColumn(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"a missing column", "metric,provider\nx,y\n", `bad.csv:1: the header has no column "municipality"`},
		{"not a number", "metric,provider,municipality,period,value,value_women,value_men,sample_size,sample_size_women,sample_size_men,status,note,source\n" +
			"sfi-pass-rate,,0183,2020,seventy,,,12.5,,,,,s\n", `bad.csv:2: value: "seventy" is not a number`},
		{"not a whole number", "metric,provider,municipality,period,value,value_women,value_men,sample_size,sample_size_women,sample_size_men,status,note,source\n" +
			"sfi-pass-rate,,0183,2020,70,,,12.5,,,,,s\n", `bad.csv:2: sample_size: "12.5" is not a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.text), "bad.csv", seedMetrics(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestExplainMapsRowsToLines(t *testing.T) {
	file := &File{Lines: []int{2, 3, 7}}
	err := file.Explain("f.csv", &store.ProblemsError{Problems: []store.Problem{
		{Row: 3, Field: "sampleSize", Message: "-1 is negative"},
		{Row: 1, Field: "metric", Message: "unknown"},
	}})
	want := "f.csv:7: sample_size: -1 is negative\nf.csv:2: metric: unknown"
	if err == nil || err.Error() != want {
		t.Errorf("Explain = %v, want %q", err, want)
	}
}
