package csvimport

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: any file is read or refused with problems that name the file and a line; it never panics,
// and every row read has the line it came from.
func FuzzParse(f *testing.F) {
	template, _ := os.ReadFile("template.csv")
	f.Add(string(template))
	f.Add("metric;provider;municipality;period;value;value_women;value_men;sample_size;sample_size_women;sample_size_men;status;note;source\nm;p;0183;2020;1,5;;;3;;;;;s\n")
	f.Add("metric,provider\n\"unterminated\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse(strings.NewReader(text), "f.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("error %q does not start with the file's name", err)
			}
			return
		}
		if len(file.Lines) != len(file.Observations) {
			t.Fatalf("%d rows but %d lines", len(file.Observations), len(file.Lines))
		}
		for _, line := range file.Lines {
			if line < 2 {
				t.Fatalf("a row on line %d, before the header ends", line)
			}
		}
	})
}
