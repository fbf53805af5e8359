// Package csvimport reads observations from a spreadsheet saved as CSV, the way the quality office
// publishes a term's results. The columns are those of template.csv:
//
//	metric             the metric's ID, with or without "Metric:" (sfi-pass-rate)
//	provider           the provider's ID, with or without "Provider:"; empty for a whole municipality
//	municipality       the four-digit municipality code (0183; 183, as a spreadsheet shows it, too)
//	period             2020, 2020-VT, 2020-HT, 2020-Q3 or 2020-09
//	value              the value; for a share, 0–100, with or without a per cent sign ("71,5 %")
//	value_women        the value for women (may be empty)
//	value_men          the value for men (may be empty)
//	sample_size        how many individuals the value rests on (required for a provider's share)
//	sample_size_women  how many women (may be empty)
//	sample_size_men    how many men (may be empty)
//	status             FINAL, PRELIMINARY or REVISED (empty: FINAL)
//	note               a remark (may be empty; at most store.MaxNoteLength characters)
//	source             the source's ID, with or without "Source:"
//
// Files are read as spreadsheets save them: UTF-8 with or without a byte-order mark, UTF-16 with one,
// or Windows-1252; commas, semicolons or tabs between fields (or as a first line "sep=;" says); CRLF,
// LF or CR line ends; empty rows; Swedish numbers ("1 200", "71,5", "71,5 %"). Every figure must pass
// the store's rules (store.FigureProblems). Every problem is reported as "file:line: column: problem",
// quoting the value as the file has it.
package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/jamforelse/api/store"
)

// Columns are the template's columns, in its order.
var Columns = []string{"metric", "provider", "municipality", "period", "value", "value_women", "value_men",
	"sample_size", "sample_size_women", "sample_size_men", "status", "note", "source"}

// Limits on what a file may be, far beyond any term's results: past them a file is not what it
// should be.
const (
	MaxFileBytes = 128 << 20
	maxColumns   = 64
	maxProblems  = 1000
)

// File is what a CSV file held: the observations, and the line each came from.
type File struct {
	Observations []*store.Observation
	Lines        []int
}

// LineError lists the problems of a file, each with its line.
type LineError struct{ Problems []string }

func (e *LineError) Error() string { return strings.Join(e.Problems, "\n") }

// sepLine is Excel's first line naming the separator.
var sepLine = regexp.MustCompile(`(?i)^sep=(.)\r?$`)

// Parse reads a CSV file named name (for messages). metrics are the data set's, so shares can be told
// from other figures. Every problem of every line is reported, not just the first.
func Parse(r io.Reader, name string, metrics []*store.Metric) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d MB: split it, or use the API", name, MaxFileBytes>>20)
	}
	text, err := decode(data, name)
	if err != nil {
		return nil, &LineError{Problems: []string{err.Error()}}
	}
	text = lineEnds(text)
	p := &parser{name: name, metrics: map[string]*store.Metric{}}
	for _, m := range metrics {
		p.metrics[m.ID] = m
	}
	first, rest, _ := strings.Cut(text, "\n")
	sep := separator(first)
	if m := sepLine.FindStringSubmatch(first); m != nil {
		sep, text, p.offset = []rune(m[1])[0], rest, 1
	}
	reader := csv.NewReader(strings.NewReader(text))
	reader.Comma = sep
	reader.FieldsPerRecord = -1
	if err := p.header(reader); err != nil {
		return nil, err
	}
	f := &File{}
	var rows []pending
	for len(p.problems) < maxProblems {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !p.readProblem(err) {
				break
			}
			continue
		}
		line, _ := reader.FieldPos(0)
		if row := p.row(reader, record, line+p.offset); row.o != nil {
			rows = append(rows, row)
			f.Observations = append(f.Observations, row.o)
			f.Lines = append(f.Lines, row.line)
		}
	}
	suspect := p.checkShareScale()
	for _, row := range rows {
		if row.fine && !suspect[row.line] {
			p.door(row)
		}
	}
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b problem) int { return a.line - b.line })
		texts := make([]string, len(p.problems))
		for i, q := range p.problems {
			texts[i] = q.text
		}
		return nil, &LineError{Problems: texts}
	}
	return f, nil
}

// pending is a row read, waiting for the checks that need the whole file.
type pending struct {
	o      *store.Observation
	m      *store.Metric
	line   int
	fine   bool                       // no problem reading it
	fields func(column string) string // its fields as the file has them
}

// door reports what the store's rules say about a figure, quoting the fields as the file has them.
func (p *parser) door(row pending) {
	for _, fp := range store.FigureProblems(row.o, row.m) {
		column := columnOf(fp.Field)
		p.problem(row.line, column, "%q: %s", truncate(row.fields(column)), fp.Message)
	}
}

// separator is the one of ; , and tab the header line has most of (a comma when none).
func separator(header string) rune {
	best, count := ',', strings.Count(header, ",")
	for _, sep := range []rune{';', '\t'} {
		if n := strings.Count(header, string(sep)); n > count {
			best, count = sep, n
		}
	}
	return best
}

type parser struct {
	name     string
	metrics  map[string]*store.Metric
	offset   int // lines before the header that the CSV reader does not see (a sep= line)
	col      map[string]int
	width    int
	problems []problem
	shares   []share
}

type problem struct {
	line int
	text string
}

// share is a share as the file wrote it, without a per cent sign, for checkShareScale.
type share struct {
	line        int
	column, raw string
	x           float64
}

func (p *parser) problem(line int, column, format string, args ...any) {
	where := fmt.Sprintf("%s:%d: ", p.name, line)
	if column != "" {
		where += column + ": "
	}
	p.problems = append(p.problems, problem{line, where + fmt.Sprintf(format, args...)})
}

// header reads the header row: the template's columns, in any order, each once.
func (p *parser) header(reader *csv.Reader) error {
	header, err := reader.Read()
	if err != nil {
		return &LineError{Problems: []string{fmt.Sprintf("%s:%d: no header row: %v", p.name, 1+p.offset, err)}}
	}
	if len(header) > maxColumns {
		return &LineError{Problems: []string{fmt.Sprintf("%s:%d: %d columns, more than the %d of the template (%s)",
			p.name, 1+p.offset, len(header), len(Columns), strings.Join(Columns, ","))}}
	}
	p.col, p.width = map[string]int{}, len(header)
	for len(header) > 0 && strings.TrimSpace(header[len(header)-1]) == "" { // a spreadsheet's empty columns at the end
		header = header[:len(header)-1]
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		switch _, twice := p.col[name]; {
		case !slices.Contains(Columns, name):
			p.problem(1+p.offset, "", "%q is not a column of the template (the columns are %s)", h, strings.Join(Columns, ","))
		case twice:
			p.problem(1+p.offset, "", "the column %q is there twice", h)
		}
		p.col[name] = i
	}
	for _, c := range Columns {
		if _, ok := p.col[c]; !ok {
			p.problem(1+p.offset, "", "the header has no column %q (the columns are %s)", c, strings.Join(Columns, ","))
		}
	}
	if len(p.problems) > 0 {
		le := &LineError{}
		for _, q := range p.problems {
			le.Problems = append(le.Problems, q.text)
		}
		return le
	}
	return nil
}

// readProblem reports a record the CSV reader could not read; false means nothing more can be read.
func (p *parser) readProblem(err error) bool {
	var parseErr *csv.ParseError
	if !errors.As(err, &parseErr) {
		p.problem(0, "", "%v", err)
		return false
	}
	start := parseErr.StartLine + p.offset
	if errors.Is(parseErr.Err, csv.ErrQuote) || errors.Is(parseErr.Err, csv.ErrBareQuote) {
		p.problem(start, "", "a quote (\") in the row that begins on this line is not where a quote can be (the reader stopped at line %d, column %d): "+
			"a field with a quote in it must be in quotes itself, with the quote doubled (\"\")", parseErr.Line+p.offset, parseErr.Column)
	} else {
		p.problem(start, "", "%v", parseErr.Err)
	}
	return true
}

// row turns one record into an observation, with its problems reported; an empty row (a
// spreadsheet's ";;;;;;") is skipped (o nil).
func (p *parser) row(reader *csv.Reader, record []string, line int) pending {
	if strings.TrimSpace(strings.Join(record, "")) == "" {
		return pending{}
	}
	before := len(p.problems)
	if len(record) > p.width {
		p.problem(line, "", "%d fields, more than the header's %d: %q is beyond the last column", len(record), p.width, truncate(record[p.width]))
		return pending{}
	}
	p.swallowedRows(reader, record)
	field := func(name string) string {
		if i, ok := p.col[name]; ok && i < len(record) {
			return strings.Trim(record[i], " \u00a0")
		}
		return ""
	}
	o := &store.Observation{
		MetricID: withType("Metric", field("metric")), MunicipalityCode: municipalityCode(field("municipality")), Period: field("period"),
		Status: store.ObservationStatus(strings.ToUpper(field("status"))), SourceID: withType("Source", field("source")),
	}
	if o.Status == "" {
		o.Status = store.StatusFinal
	}
	if v := field("provider"); v != "" {
		id := withType("Provider", v)
		o.ProviderID = &id
	}
	if v := field("note"); v != "" {
		o.Note = &v
	}
	m := p.metrics[o.MetricID]
	share := m != nil && m.Unit == store.UnitPercent
	for _, c := range []struct {
		name string
		x    **float64
	}{{"value", &o.Value}, {"value_women", &o.ValueWomen}, {"value_men", &o.ValueMen}} {
		p.value(line, c.name, field(c.name), share, o, c.x)
	}
	for _, c := range []struct {
		name string
		n    **int
	}{{"sample_size", &o.SampleSize}, {"sample_size_women", &o.SampleSizeWomen}, {"sample_size_men", &o.SampleSizeMen}} {
		if raw := field(c.name); raw != "" {
			if n, ok := whole(raw); ok {
				*c.n = &n
			} else {
				p.problem(line, c.name, "%q is not a whole number of individuals", truncate(raw))
			}
		}
	}
	return pending{o: o, m: m, line: line, fine: len(p.problems) == before, fields: field}
}

// value reads one of a figure's values; a share without a per cent sign is kept for checkShareScale.
func (p *parser) value(line int, column, raw string, isShare bool, o *store.Observation, into **float64) {
	if raw == "" {
		return
	}
	x, percent, ok := number(raw)
	switch {
	case !ok:
		p.problem(line, column, "%q is not a number", truncate(raw))
	case percent && !isShare:
		p.problem(line, column, "%q has a per cent sign, but %s is not a share", truncate(raw), o.MetricID)
	default:
		*into = &x
		if isShare && !percent {
			p.shares = append(p.shares, share{line: line, column: column, raw: raw, x: x})
		}
	}
}

// swallowedRows reports a quoted field that runs over lines which look like rows of their own: a quote
// opened and never closed where it should have been swallows the rows after it.
func (p *parser) swallowedRows(reader *csv.Reader, record []string) {
	sep := string(reader.Comma)
	for i, f := range record {
		lines := strings.Split(f, "\n")
		rows := 0
		for _, l := range lines[1:] {
			if strings.Count(l, sep) >= p.width-1 {
				rows++
			}
		}
		if rows > 0 {
			start, _ := reader.FieldPos(i)
			p.problem(start+p.offset, columnName(p.col, i), "the quoted field that begins on this line, %q, runs over %d lines and holds %d that look like rows of their own: "+
				"a quote is probably missing or one too many", truncate(f), len(lines), rows)
		}
	}
}

// checkShareScale refuses shares written as fractions of 1 (0,715 for 71,5 %): a share between 0 and 1
// when every share of the file that is not is above 1, or when every share in the file is at most 1.
// A share written with a per cent sign is taken as it says. It returns the lines refused.
func (p *parser) checkShareScale() map[int]bool {
	fractions, atMostOne, aboveOne := 0, 0, 0
	for _, s := range p.shares {
		switch {
		case s.x > 0 && s.x < 1:
			fractions++
		case s.x > 1:
			aboveOne++
		}
		if s.x <= 1 {
			atMostOne++
		}
	}
	everyOtherAbove := aboveOne > 0 && aboveOne == len(p.shares)-fractions
	everyAtMostOne := atMostOne == len(p.shares)
	refused := map[int]bool{}
	for _, s := range p.shares {
		if s.x <= 0 || s.x >= 1 {
			continue
		}
		switch {
		case everyAtMostOne:
			p.problem(s.line, s.column, "%q: every share in the file is at most 1, as if written as fractions of 1; shares are per cent, 0–100: "+
				"write 71,5 for 71,5 %% (or %q if it really is below 1 %%)", s.raw, s.raw+" %")
		case everyOtherAbove:
			p.problem(s.line, s.column, "%q: every other share in the file is above 1 (per cent), this one is between 0 and 1: "+
				"if it means %v %%, write it so; if it really is below 1 %%, write %q", s.raw, s.x*100, s.raw+" %")
		default:
			continue
		}
		refused[s.line] = true
	}
	return refused
}

// municipalityCode gives back the leading zeros a spreadsheet drops from a code it takes for a number:
// 183 is 0183.
func municipalityCode(s string) string {
	if len(s) > 0 && len(s) < 4 && strings.Trim(s, "0123456789") == "" {
		return strings.Repeat("0", 4-len(s)) + s
	}
	return s
}

// columnOf is the column the store's field name stands for: sampleSize for sample_size.
func columnOf(field string) string {
	for _, c := range Columns {
		if strings.ReplaceAll(c, "_", "") == strings.ToLower(field) {
			return c
		}
	}
	return field
}

func columnName(col map[string]int, i int) string {
	for name, j := range col {
		if j == i {
			return name
		}
	}
	return ""
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
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
		lines[i] = fmt.Sprintf("%s:%d: ", name, line)
		if field := columnOf(p.Field); field != "" {
			lines[i] += field + ": "
		}
		lines[i] += p.Message
	}
	return &LineError{Problems: lines}
}
