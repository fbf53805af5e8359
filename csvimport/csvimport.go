// Package csvimport reads observations from a spreadsheet saved as CSV, the way the quality office
// publishes a term's results. The columns are those of template.csv:
//
//	metric             the metric's ID, with or without "Metric:" (sfi-pass-rate)
//	provider           the provider's ID, with or without "Provider:"; empty for a whole municipality
//	municipality       the four-digit municipality code (0183)
//	period             2020, 2020-VT, 2020-HT, 2020-Q3 or 2020-09
//	value              the value; for a share, 0–100
//	value_women        the value for women (may be empty)
//	value_men          the value for men (may be empty)
//	sample_size        how many individuals the value rests on (may be empty)
//	sample_size_women  how many women (may be empty)
//	sample_size_men    how many men (may be empty)
//	status             FINAL, PRELIMINARY or REVISED (empty: FINAL)
//	note               a remark (may be empty)
//	source             the source's ID, with or without "Source:"
//
// Files saved by Swedish spreadsheets, with semicolons between fields and decimal commas ("71,5"),
// are read as well. Every problem is reported as "file:line: column: problem".
package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jamforelse/api/store"
)

// Columns are the template's columns, in its order.
var Columns = []string{"metric", "provider", "municipality", "period", "value", "value_women", "value_men",
	"sample_size", "sample_size_women", "sample_size_men", "status", "note", "source"}

// File is what a CSV file held: the observations, and the line each came from.
type File struct {
	Observations []*store.Observation
	Lines        []int
}

// LineError lists the problems of a file, each with its line.
type LineError struct{ Problems []string }

func (e *LineError) Error() string { return strings.Join(e.Problems, "\n") }

// Parse reads a CSV file named name (for messages). Every problem of every line is reported, not
// just the first.
func Parse(r io.Reader, name string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	text := strings.TrimPrefix(string(data), "\uFEFF") // spreadsheets often start UTF-8 files with a BOM
	firstLine, _, _ := strings.Cut(text, "\n")
	semicolons := strings.Count(firstLine, ";") > strings.Count(firstLine, ",")
	reader := csv.NewReader(strings.NewReader(text))
	if semicolons {
		reader.Comma = ';'
	}
	reader.FieldsPerRecord = -1
	var problems []string
	problem := func(line int, column, format string, args ...any) {
		where := fmt.Sprintf("%s:%d: ", name, line)
		if column != "" {
			where += column + ": "
		}
		problems = append(problems, where+fmt.Sprintf(format, args...))
	}
	header, err := reader.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: no header row: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			problem(1, "", "the header has no column %q (the columns are %s)", c, strings.Join(Columns, ","))
		}
	}
	if len(problems) > 0 {
		return nil, &LineError{Problems: problems}
	}
	f := &File{}
	for len(problems) < 1000 { // past that, the file is not what it should be; the first problems say why
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var parseErr *csv.ParseError
			if errors.As(err, &parseErr) {
				line, err = parseErr.StartLine, parseErr.Err
			}
			problem(line, "", "%v", err)
			if parseErr == nil {
				break // not a problem of one line: nothing more can be read
			}
			continue
		}
		line, _ := reader.FieldPos(0)
		field := func(name string) string {
			if i := col[name]; i < len(record) {
				return strings.TrimSpace(record[i])
			}
			return ""
		}
		optional := func(name string) *string {
			if v := field(name); v != "" {
				return &v
			}
			return nil
		}
		number := func(name string) *float64 {
			v := field(name)
			if v == "" {
				return nil
			}
			if semicolons {
				v = strings.ReplaceAll(v, ",", ".")
			}
			x, err := strconv.ParseFloat(strings.ReplaceAll(v, " ", ""), 64)
			if err != nil {
				problem(line, name, "%q is not a number", v)
				return nil
			}
			return &x
		}
		count := func(name string) *int {
			v := field(name)
			if v == "" {
				return nil
			}
			n, err := strconv.Atoi(strings.ReplaceAll(v, " ", ""))
			if err != nil {
				problem(line, name, "%q is not a whole number", v)
				return nil
			}
			return &n
		}
		o := &store.Observation{
			MetricID: withType("Metric", field("metric")), MunicipalityCode: field("municipality"), Period: field("period"),
			Value: number("value"), ValueWomen: number("value_women"), ValueMen: number("value_men"),
			SampleSize: count("sample_size"), SampleSizeWomen: count("sample_size_women"), SampleSizeMen: count("sample_size_men"),
			Status: store.ObservationStatus(strings.ToUpper(field("status"))), Note: optional("note"), SourceID: withType("Source", field("source")),
		}
		if o.Status == "" {
			o.Status = store.StatusFinal
		}
		if p := field("provider"); p != "" {
			id := withType("Provider", p)
			o.ProviderID = &id
		}
		f.Observations = append(f.Observations, o)
		f.Lines = append(f.Lines, line)
	}
	if len(problems) > 0 {
		return nil, &LineError{Problems: problems}
	}
	return f, nil
}

// withType adds the type to a bare key, so a spreadsheet may say "sfi-pass-rate" for "Metric:sfi-pass-rate".
func withType(typ, id string) string {
	if id == "" || strings.Contains(id, ":") {
		return id
	}
	return typ + ":" + id
}

// Explain turns the store's per-row problems with a file's observations into file:line messages.
func (f *File) Explain(name string, err error) error {
	var ps *store.ProblemsError
	if !errors.As(err, &ps) {
		return err
	}
	lines := make([]string, len(ps.Problems))
	for i, p := range ps.Problems {
		line := 0
		if p.Row > 0 && p.Row <= len(f.Lines) {
			line = f.Lines[p.Row-1]
		}
		field := p.Field
		for _, c := range Columns { // the store names fields as the API does: sampleSize for sample_size
			if strings.ReplaceAll(c, "_", "") == strings.ToLower(field) {
				field = c
			}
		}
		lines[i] = fmt.Sprintf("%s:%d: ", name, line)
		if field != "" {
			lines[i] += field + ": "
		}
		lines[i] += p.Message
	}
	return &LineError{Problems: lines}
}
