// Package export writes the tables of the data set as files for download: CSV (RFC 4180 for scripts,
// or a dialect Swedish Excel opens as it is), an Excel workbook (.xlsx) with typed cells, or
// newline-delimited JSON. Rows are streamed as they are read, so memory stays constant however many
// there are (a workbook is built in a temporary file before it is sent), and suppressed figures stay
// suppressed. Every row names its source and says whether it is illustrative, and no cell of a CSV file
// or a workbook can start a formula (see neutralise).
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/jamforelse/api/store"
)

// Format is a file format for a table.
type Format string

const (
	CSV    Format = "csv"
	XLSX   Format = "xlsx"
	NDJSON Format = "ndjson"
)

// Dialect is a way of writing CSV.
type Dialect string

const (
	// RFC4180 is CSV for scripts: UTF-8 without a byte-order mark, commas, CRLF line ends, decimal points.
	RFC4180 Dialect = ""
	// ExcelSV is CSV as Excel and LibreOffice in a Swedish locale open it by a double click: a UTF-8
	// byte-order mark (so Å, Ä and Ö are read right), semicolons, CRLF, decimal commas.
	ExcelSV Dialect = "excel-sv"
)

// File is one downloadable file: a table in a format (and, for CSV, a dialect).
type File struct {
	Table   string
	Format  Format
	Dialect Dialect
}

// Name is the file's name, as in the URL /export/NAME: "observations.csv", "observations.xlsx".
func (f File) Name() string { return f.Table + "." + string(f.Format) }

// Query is what the URL adds to the name to ask for the dialect: "" or "dialect=excel-sv".
func (f File) Query() string {
	if f.Dialect == "" {
		return ""
	}
	return "dialect=" + string(f.Dialect)
}

// URL is where the file is downloaded from a server reached at base, such as https://data.example.se.
func (f File) URL(base string) string {
	u := base + "/export/" + f.Name()
	if q := f.Query(); q != "" {
		u += "?" + q
	}
	return u
}

// MediaType is the file's media type without parameters: text/csv.
func (f File) MediaType() string {
	media, _, _ := strings.Cut(f.ContentType(), ";")
	return media
}

// ContentType is the file's media type, with its parameters.
func (f File) ContentType() string {
	switch f.Format {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/x-ndjson; charset=utf-8"
}

// Title says what the file holds, in Swedish ("sv") or English ("en").
func (f File) Title(lang string) string {
	t := tables[f.Table]
	title, format := t.titleSV, map[Format]string{CSV: "CSV", XLSX: "Excel", NDJSON: "NDJSON"}[f.Format]
	if lang == "en" {
		title = t.titleEN
	}
	if f.Dialect == ExcelSV {
		format = map[string]string{"sv": "CSV för Excel på svenska", "en": "CSV for Excel in Swedish"}[lang]
	}
	return title + " (" + format + ")"
}

// Tables lists the names of the tables that can be exported.
func Tables() []string { return slices.Sorted(maps.Keys(tables)) }

// Files lists every downloadable file: each table as CSV in both dialects, as a workbook and as NDJSON.
func Files() []File {
	var files []File
	for _, t := range Tables() {
		files = append(files, File{t, CSV, RFC4180}, File{t, CSV, ExcelSV}, File{t, XLSX, RFC4180}, File{t, NDJSON, RFC4180})
	}
	return files
}

// Filter narrows a table to some of its rows; zero fields let every row through. A table takes only
// the filters that mean something for it (FiltersOf).
type Filter struct {
	ServiceArea  string // a service area's ID, ServiceArea:sfi
	Municipality string // a place's four-digit code, 0183
	Metric       string // a metric's ID, Metric:sfi-pass-rate
	Period       string // a period, 2018 or 2018-VT
}

// FiltersOf names the filters a table takes, as a URL names them.
func FiltersOf(table string) []string { return tables[table].filters }

// check refuses a filter the table does not take, or a value that cannot be one.
func (f Filter) check(name string) error {
	set := map[string]string{byServiceArea: f.ServiceArea, byMunicipality: f.Municipality, byMetric: f.Metric, byPeriod: f.Period}
	for _, by := range []string{byServiceArea, byMunicipality, byMetric, byPeriod} {
		if set[by] != "" && !slices.Contains(tables[name].filters, by) {
			takes := "no filters"
			if fs := tables[name].filters; len(fs) > 0 {
				takes = "only " + strings.Join(fs, ", ")
			}
			return &store.InputError{Msg: fmt.Sprintf("%s cannot be filtered by %s: it takes %s", name, by, takes)}
		}
	}
	if f.ServiceArea != "" {
		if err := store.ParseIDOf("ServiceArea", f.ServiceArea); err != nil {
			return err
		}
	}
	if f.Metric != "" {
		if err := store.ParseIDOf("Metric", f.Metric); err != nil {
			return err
		}
	}
	if f.Period != "" {
		if _, err := store.ParsePeriod(f.Period); err != nil {
			return err
		}
	}
	if m := f.Municipality; m != "" && (len(m) != 4 || strings.Trim(m, "0123456789") != "") {
		return &store.InputError{Msg: fmt.Sprintf("municipality %q is not a four-digit code such as 0183", m)}
	}
	return nil
}

func (f Filter) area(id string) bool    { return f.ServiceArea == "" || f.ServiceArea == id }
func (f Filter) place(code string) bool { return f.Municipality == "" || f.Municipality == code }

// observations is the filter as the store reads observations.
func (f Filter) observations() store.ObservationFilter {
	var of store.ObservationFilter
	if f.ServiceArea != "" {
		of.ServiceArea = &f.ServiceArea
	}
	if f.Municipality != "" {
		of.Municipality = &f.Municipality
	}
	if f.Metric != "" {
		of.Metrics = []string{f.Metric}
	}
	if f.Period != "" {
		of.Period = &f.Period
	}
	return of
}

// RowError is an export that failed part way: which row it failed at (rows counted from 1, the header
// not counted), that row's ID, and how many bytes had already gone to the client, who holds a file cut
// short unless Sent is 0.
type RowError struct {
	Row  int
	ID   string
	Sent int64
	Err  error
}

func (e *RowError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("row %d, after %d bytes sent: %v", e.Row, e.Sent, e.Err)
	}
	return fmt.Sprintf("row %d (%s), after %d bytes sent: %v", e.Row, e.ID, e.Sent, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// sheet is a file being written: a header, then rows of values as cell reads them.
type sheet interface {
	header(columns []string) error
	row(values []any) error
	close() error // writes what is left; a workbook is sent only now
}

// Write writes the rows of a table the filter lets through to w, in the file's format, and returns
// how many it wrote. A bad filter is a *store.InputError, before anything is written; a failure part
// way is a *RowError.
func Write(ctx context.Context, w io.Writer, db *store.DB, c *store.Catalog, file File, f Filter) (int, error) {
	t, ok := tables[file.Table]
	if !ok {
		return 0, fmt.Errorf("no table %q: %w", file.Table, store.ErrNotFound)
	}
	if err := f.check(file.Table); err != nil {
		return 0, err
	}
	sent := &counter{w: w}
	var s sheet
	switch file.Format {
	case CSV:
		s = newCSV(sent, file.Dialect)
	case NDJSON:
		s = newNDJSON(sent, t.columns)
	case XLSX:
		s = newXLSX(sent, file.Table, len(t.columns))
	default:
		return 0, fmt.Errorf("no format %q", file.Format)
	}
	rows, id := 0, "" // rows written, and the ID of the row being written
	fail := func(err error) error {
		if err == nil {
			return nil
		}
		return &RowError{Row: rows + 1, ID: id, Sent: sent.n, Err: err}
	}
	if err := s.header(t.columns); err != nil {
		return 0, fail(err)
	}
	values := make([]any, len(t.columns))
	row := func(raw ...any) error {
		id = fmt.Sprint(cell(raw[0]))
		for i, v := range raw {
			values[i] = cell(v)
			if x, ok := values[i].(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				return fail(fmt.Errorf("%s is %v, which no reader can use", t.columns[i], x))
			}
		}
		if err := s.row(values); err != nil {
			return fail(err)
		}
		rows, id = rows+1, ""
		return nil
	}
	if err := t.rows(ctx, db, c, f, row); err != nil {
		if already := (*RowError)(nil); errors.As(err, &already) {
			return rows, err
		}
		return rows, fail(err)
	}
	return rows, fail(s.close())
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
