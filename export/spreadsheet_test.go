package export_test

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/thedatashed/xlsxreader"
	"github.com/xuri/excelize/v2"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/store"
)

// write exports a file of the seed, failing the test on an error.
func write(t *testing.T, db *store.DB, file export.File, f export.Filter) []byte {
	t.Helper()
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := export.Write(t.Context(), &b, db, c, file, f); err != nil {
		t.Fatalf("%s: %v", file.Name(), err)
	}
	return b.Bytes()
}

// sheetRows reads a workbook with xlsxreader, a reader independent of the library that wrote it.
func sheetRows(t *testing.T, workbook []byte) [][]xlsxreader.Cell {
	t.Helper()
	x, err := xlsxreader.NewReader(workbook)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]xlsxreader.Cell
	for row := range x.ReadRows(x.Sheets[0]) {
		if row.Error != nil {
			t.Fatal(row.Error)
		}
		rows = append(rows, row.Cells)
	}
	return rows
}

// byColumn is a workbook row's cells by their column's name in the header.
func byColumn(header, row []xlsxreader.Cell) map[string]xlsxreader.Cell {
	cells := map[string]xlsxreader.Cell{}
	for _, c := range row {
		for _, h := range header {
			if h.Column == c.Column {
				cells[h.Value] = c
			}
		}
	}
	return cells
}

// TestWorkbookCellsAreTyped opens the workbooks with a reader library: codes and IDs are text (0183
// stays 0183), shares and counts are numbers, days are dates; the header row is frozen and a table
// with filters covers the rows.
func TestWorkbookCellsAreTyped(t *testing.T) {
	db, _ := seededFile(t)
	places := sheetRows(t, write(t, db, export.File{Table: "municipalities", Format: export.XLSX}, export.Filter{Municipality: "0183"}))
	if len(places) != 2 {
		t.Fatalf("municipalities filtered to 0183: %d rows, want the header and one", len(places))
	}
	if code := byColumn(places[0], places[1])["code"]; code.Value != "0183" || code.Type != xlsxreader.TypeString {
		t.Errorf("Sundbyberg's code = %q (%s), want the text 0183", code.Value, code.Type)
	}

	workbook := write(t, db, export.File{Table: "observations", Format: export.XLSX}, export.Filter{Metric: "Metric:sfi-pass-rate"})
	rows := sheetRows(t, workbook)
	shares, days := 0, 0
	for _, row := range rows[1:] {
		cells := byColumn(rows[0], row)
		if c := cells["municipality_code"]; c.Type != xlsxreader.TypeString || len(c.Value) != 4 {
			t.Errorf("row %d: municipality_code %q (%s), want a four-digit text", row[0].Row, c.Value, c.Type)
		}
		if c, ok := cells["value"]; ok { // an empty cell when suppressed
			if _, err := strconv.ParseFloat(c.Value, 64); c.Type != xlsxreader.TypeNumerical || err != nil {
				t.Errorf("row %d: the share %q is %s, want a number", row[0].Row, c.Value, c.Type)
			}
			shares++
		}
		if c := cells["period_start"]; c.Type == xlsxreader.TypeDateTime && len(c.Value) >= 10 {
			days++
		} else {
			t.Errorf("row %d: period_start %q is %s, want a date", row[0].Row, c.Value, c.Type)
		}
		if c := cells["suppressed"]; c.Type != xlsxreader.TypeBoolean {
			t.Errorf("row %d: suppressed %q is %s, want a boolean", row[0].Row, c.Value, c.Type)
		}
	}
	if shares == 0 || days == 0 {
		t.Fatalf("%d shares and %d dates compared; the seed has pass rates", shares, days)
	}

	// The layout, as excelize reads it back: the header frozen, and a table with filter buttons.
	f, err := excelize.OpenReader(bytes.NewReader(workbook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("observations")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v, %v; want the first row frozen", panes, err)
	}
	if tables, err := f.GetTables("observations"); err != nil || len(tables) != 1 || !strings.HasPrefix(tables[0].Range, "A1:") {
		t.Errorf("tables %+v, %v; want one over the rows, with its filters", tables, err)
	}
}

// TestSwedishExcelDialect: a byte-order mark, semicolons, decimal commas, CRLF; the same rows as the
// RFC 4180 file.
func TestSwedishExcelDialect(t *testing.T) {
	db, _ := seededFile(t)
	plain := write(t, db, export.File{Table: "observations", Format: export.CSV}, export.Filter{})
	sv := write(t, db, export.File{Table: "observations", Format: export.CSV, Dialect: export.ExcelSV}, export.Filter{})
	if !bytes.HasPrefix(sv, []byte("\uFEFF")) || bytes.HasPrefix(plain, []byte("\uFEFF")) {
		t.Fatal("the Swedish dialect starts with a byte-order mark, the RFC 4180 file does not")
	}
	if !bytes.Contains(plain, []byte("\r\n")) || !bytes.Contains(sv, []byte("\r\n")) {
		t.Error("lines end in CRLF in both")
	}
	read := func(b []byte, comma rune) [][]string {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
		r.Comma = comma
		records, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return records
	}
	want, got := read(plain, ','), read(sv, ';')
	if len(want) != len(got) {
		t.Fatalf("%d rows in the Swedish dialect, %d in RFC 4180", len(got), len(want))
	}
	value := slices.Index(want[0], "value")
	decimals := 0
	for i := 1; i < len(want); i++ {
		if w := want[i][value]; strings.Contains(w, ".") {
			decimals++
			if g := got[i][value]; g != strings.Replace(w, ".", ",", 1) {
				t.Errorf("row %d: value %q in the Swedish dialect, want %q", i, g, strings.Replace(w, ".", ",", 1))
			}
		}
	}
	if decimals == 0 {
		t.Error("no decimal compared; the seed has some")
	}
}

// hostile is a text that a spreadsheet would run as a formula.
const hostile = `=HYPERLINK("http://x","x")`

// TestNoCellStartsAFormula plants a provider named =HYPERLINK("http://x","x"), and texts that start
// with +, -, @, a tab and a carriage return in notes, reasons, titles and descriptions, behind the
// store's back (the store refuses them on every write path, so they stand for a database written
// before that rule, or by another tool); then no cell of any CSV file or workbook starts a formula,
// while NDJSON, which is no spreadsheet, carries the texts exactly.
func TestNoCellStartsAFormula(t *testing.T) {
	_, path := seededFile(t)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, update := range []string{
		`UPDATE providers SET name = '` + strings.ReplaceAll(hostile, "'", "''") + `'`,
		`UPDATE observations SET note = '+1+2'`,
		`UPDATE authorisation_events SET reason = '-2+3'`,
		`UPDATE schemes SET name = '@SUM(1)', note = char(9) || '=1'`,
		`UPDATE price_items SET label = char(13) || '=1'`,
		`UPDATE sources SET title = '=1', description = '-1'`,
		`UPDATE metrics SET name = '=1', description = '+1'`,
		`UPDATE service_areas SET name = '=1'`,
		`UPDATE municipalities SET name = '=1'`,
		`UPDATE offices SET name = '=1', purpose = '@1'`,
		`UPDATE agencies SET name = '=1'`,
		`UPDATE associations SET name = '=1'`,
		`UPDATE target_groups SET description = '=1'`,
		`UPDATE milestones SET body = '=1', description = '-1'`,
	} {
		if _, err := raw.Exec(update); err != nil {
			t.Fatalf("%s: %v", update, err)
		}
	}
	raw.Close()
	db, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	for _, file := range export.Files() {
		b := write(t, db, file, export.Filter{})
		var cells []string
		switch file.Format {
		case export.CSV:
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
			if file.Dialect == export.ExcelSV {
				r.Comma = ';'
			}
			records, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", file.Name(), err)
			}
			for _, rec := range records {
				cells = append(cells, rec...)
			}
		case export.XLSX:
			cells = workbookCells(t, file, b)
		case export.NDJSON:
			if file.Table == "providers" && !bytes.Contains(b, []byte(`"name":"=HYPERLINK(\"http://x\",\"x\")"`)) {
				t.Errorf("providers.ndjson does not carry the name exactly: %.300s", b)
			}
			continue
		}
		for _, c := range cells {
			if startsFormula(c) {
				t.Errorf("%s %s: a cell starts a formula: %q", file.Name(), file.Query(), c)
			}
		}
		if file.Table == "providers" && !slices.Contains(cells, "'"+hostile) {
			t.Errorf("%s %s: the provider's name is not there, neutralised", file.Name(), file.Query())
		}
	}
}

// workbookCells are a workbook's cells as text, failing the test on any cell that holds a formula.
func workbookCells(t *testing.T, file export.File, b []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(file.Table, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var cells []string
	for r, row := range rows {
		for c, value := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if formula, _ := f.GetCellFormula(file.Table, ref); formula != "" {
				t.Errorf("%s %s holds the formula %q", file.Name(), ref, formula)
			}
			cells = append(cells, value)
		}
	}
	return cells
}

// startsFormula reports whether a spreadsheet would take a cell as a formula: it begins with =, +, -,
// @, a tab or a carriage return and is not a plain number (such as -2.5).
func startsFormula(c string) bool {
	if c == "" || !strings.ContainsAny(c[:1], "=+-@\t\r") {
		return false
	}
	_, err := strconv.ParseFloat(strings.Replace(c, ",", ".", 1), 64)
	return err != nil
}
