package csvimport

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/jamforelse/api/seed"
	"github.com/jamforelse/api/store"
)

func seedMetrics(t testing.TB) []*store.Metric {
	t.Helper()
	ds, err := seed.Data()
	if err != nil {
		t.Fatal(err)
	}
	return ds.Metrics
}

func ptr[T any](v T) *T { return &v }

// workbook is what testdata/quirks/resultat.fods holds, the figures every file saved from it must be
// read as: exactly these values, whatever the encoding, separator, line ends or number format.
func workbook(rows ...int) []*store.Observation {
	provider := "Provider:sundbyberg-vuxenutbildning"
	all := []*store.Observation{
		{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2020-VT",
			Value: ptr(71.5), ValueWomen: ptr(74.0), ValueMen: ptr(68.2), SampleSize: ptr(1200), SampleSizeWomen: ptr(700), SampleSizeMen: ptr(500),
			Status: store.StatusPreliminary, Note: ptr("Värdena gäller kurserna på Östra skolan – vårterminen"), SourceID: "Source:illustrative-results"},
		{MetricID: "Metric:sfi-dropout-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2020-VT",
			Value: ptr(18.4), ValueWomen: ptr(17.1), ValueMen: ptr(20.2), SampleSize: ptr(1200), SampleSizeWomen: ptr(700), SampleSizeMen: ptr(500),
			Status: store.StatusPreliminary, Note: ptr("Avbrott räknas efter två veckor"), SourceID: "Source:illustrative-results"},
		{MetricID: "Metric:sfi-payments", ProviderID: &provider, MunicipalityCode: "0183", Period: "2020-VT",
			Value: ptr(1234567.5), Status: store.StatusPreliminary, Note: ptr("Utbetalt under våren, kronor"), SourceID: "Source:illustrative-results"},
	}
	if rows == nil {
		return all
	}
	var some []*store.Observation
	for _, i := range rows {
		some = append(some, all[i])
	}
	return some
}

// TestQuirks reads one file per quirk of spreadsheets as offices save them (testdata/quirks, see its
// README): each is read exactly as meant, or refused with messages that name the line and quote the
// value as the file has it.
func TestQuirks(t *testing.T) {
	metrics := seedMetrics(t)
	tests := []struct {
		file  string
		want  []*store.Observation // read as meant
		lines []int
		fails []string // or refused with these messages, in this order
	}{
		{file: "libreoffice-windows-1252-semicolon.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "libreoffice-utf8-semicolon.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "libreoffice-unicode-text-utf16-tab.txt", want: workbook(), lines: []int{2, 3, 4}},
		{file: "libreoffice-utf8-comma-quoted-decimals.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "libreoffice-leading-zero-dropped.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "excel-utf8-bom-crlf.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "excel-sep-line-windows-1252.csv", want: workbook(), lines: []int{3, 4, 5}},
		{file: "excel-trailing-empty-rows.csv", want: workbook(0, 1), lines: []int{2, 4}},
		{file: "classic-mac-cr.csv", want: workbook(), lines: []int{2, 3, 4}},
		{file: "narrow-nbsp-thousands.csv", want: workbook(), lines: []int{2, 3, 4}},

		{file: "share-as-fraction.csv", fails: []string{
			`f.csv:4: value: "0,715": every other share in the file is above 1 (per cent), this one is between 0 and 1: if it means 71.5 %, write it so; if it really is below 1 %, write "0,715 %"`,
			`f.csv:4: value_women: "0,74": every other share`, `f.csv:4: value_men: "0,682": every other share`}},
		{file: "all-shares-fractions.csv", fails: []string{
			`f.csv:2: value: "0,715": every share in the file is at most 1`, `f.csv:2: value_women: "0,74": every share`, `f.csv:2: value_men: "0,682": every share`,
			`f.csv:3: value: "0,184": every share`, `f.csv:3: value_women: "0,171": every share`, `f.csv:3: value_men: "0,202": every share`}},
		{file: "stray-quote-swallows-rows.csv", fails: []string{
			`f.csv:2: note: the quoted field that begins on this line, "Nya lokaler från mars;illustrative-resul…", runs over 8 lines and holds 6 that look like rows of their own: a quote is probably missing or one too many`}},
		{file: "bare-quote.csv", fails: []string{`f.csv:2: a quote (") in the row that begins on this line is not where a quote can be (the reader stopped at line 2, column 102)`}},
		{file: "row-longer-than-header.csv", fails: []string{`f.csv:2: 14 fields, more than the header's 13: "extra" is beyond the last column`}},
		{file: "nan.csv", fails: []string{`f.csv:2: value: "NaN" is not a number`}},
		{file: "inf.csv", fails: []string{`f.csv:2: value: "Inf" is not a number`}},
		{file: "hex-float.csv", fails: []string{`f.csv:2: value: "0x1.1ep+6" is not a number`}},
		{file: "two-decimal-marks.csv", fails: []string{`f.csv:2: value: "1.234,5" is not a number`}},
		{file: "negative-count.csv", fails: []string{`f.csv:2: sample_size: "-12": -12 is not a number of individuals between 0 and 20000000`}},
		{file: "huge-kronor.csv", fails: []string{`f.csv:2: value: "1e308": 1e+308 is not between -1,000,000,000,000 and 1,000,000,000,000 kronor`}},
		{file: "women-men-exceed-total.csv", fails: []string{`f.csv:2: sample_size: "10": 500 women and 500 men are more than the 10 individuals of the whole`}},
		{file: "total-outside-women-and-men.csv", fails: []string{`f.csv:2: value: "80,0": the share for all, 80 %, does not lie between the shares for women (74 %) and men (68.2 %)`}},
		{file: "percent-sign-on-kronor.csv", fails: []string{`f.csv:2: value: "12 %" has a per cent sign, but Metric:sfi-payments is not a share`}},
		{file: "long-note.csv", fails: []string{`f.csv:2: note: "Lång kommentar. Lång kommentar. Lång kom…": 3199 characters, more than the 2000 allowed`}},
		{file: "tab-before-note.csv", fails: []string{`f.csv:2: note: "\tÖstra skolan": "\tÖstra skolan" holds the control character U+0009 at character 1`}},
		{file: "formula-note.csv", fails: []string{`f.csv:2: note: "=1+1": "=1+1" begins with "=", which a spreadsheet would run as a formula`}},
		{file: "nul-byte.csv", fails: []string{`f.csv:2: the file holds NUL bytes`}},
		{file: "utf16-without-bom.csv", fails: []string{`f.csv:1: the file holds NUL bytes: it is not a text file, or it is UTF-16 without its byte-order mark`}},
		{file: "broken-utf8.csv", fails: []string{`f.csv:2: the file is neither UTF-8 (a broken character here, "\xc3str") nor Windows-1252 (it has UTF-8 characters elsewhere)`}},
		{file: "neither-utf8-nor-windows-1252.csv", fails: []string{`f.csv:2: the byte 0x81 is neither UTF-8 nor Windows-1252`}},
	}
	files, _ := filepath.Glob("testdata/quirks/*.*")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			files = slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == tt.file })
			f, err := os.Open(filepath.Join("testdata/quirks", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			file, err := Parse(f, "f.csv", metrics)
			if tt.fails != nil {
				le, ok := err.(*LineError)
				if !ok {
					t.Fatalf("Parse = %v, want the problems %q", err, tt.fails)
				}
				if len(le.Problems) != len(tt.fails) {
					t.Errorf("%d problems, want %d:\n%s", len(le.Problems), len(tt.fails), le)
				}
				for i, want := range tt.fails {
					if i >= len(le.Problems) || !strings.HasPrefix(le.Problems[i], want) {
						t.Errorf("problem %d = %q, want it to begin %q", i+1, at(le.Problems, i), want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, file.Observations, cmpopts.IgnoreUnexported(store.Observation{})); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.lines, file.Lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".fods") && !strings.HasSuffix(f, ".md") {
			t.Errorf("%s has no case in TestQuirks", f)
		}
	}
}

// TestTooManyColumns: a header of a million columns is refused at once, without reading further.
func TestTooManyColumns(t *testing.T) {
	_, err := Parse(strings.NewReader(strings.Repeat("x;", 1_000_000)+"\n"), "f.csv", seedMetrics(t))
	if err == nil || !strings.Contains(err.Error(), "f.csv:1: 1000001 columns, more than the 13 of the template") {
		t.Errorf("Parse(a million columns) = %v, want it refused on line 1", err)
	}
}

func at(ps []string, i int) string {
	if i < len(ps) {
		return ps[i]
	}
	return ""
}
