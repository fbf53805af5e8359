package export

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/jamforelse/api/store"
)

// maxSheetRows is how many rows a worksheet holds (Excel's limit, 2^20), the header among them.
const maxSheetRows = 1 << 20

// xlsxSheet writes a workbook of one worksheet with typed cells: texts (IDs, codes such as 0183,
// names) as text, figures as numbers, dates and times as dates; a bold header row that stays in view
// (frozen), and a table over the rows so every column can be filtered and sorted. excelize's stream
// writer keeps the rows in a temporary file, not in memory; the workbook is sent when it is complete.
type xlsxSheet struct {
	w       io.Writer
	file    *excelize.File
	stream  *excelize.StreamWriter
	name    string
	columns int
	rows    int // written, the header among them
	dateID  int // the styles of dates and of times
	timeID  int
	cells   []any
}

func newXLSX(w io.Writer, table string, columns int) *xlsxSheet {
	return &xlsxSheet{w: w, name: table, columns: columns, cells: make([]any, columns)}
}

func (s *xlsxSheet) header(columns []string) error {
	s.file = excelize.NewFile()
	if err := s.file.SetSheetName("Sheet1", s.name); err != nil {
		return err
	}
	var err error
	if s.stream, err = s.file.NewStreamWriter(s.name); err != nil {
		return err
	}
	if s.dateID, err = s.file.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")}); err != nil {
		return err
	}
	if s.timeID, err = s.file.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss")}); err != nil {
		return err
	}
	bold, err := s.file.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	// The header stays in view however far down the reader scrolls.
	if err := s.stream.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, c := range columns {
		// Column widths must be set before the first row; they follow the header's names.
		if err := s.stream.SetColWidth(i+1, i+1, float64(min(max(len(c)+4, 12), 60))); err != nil {
			return err
		}
	}
	head := make([]any, len(columns))
	for i, c := range columns {
		head[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	return s.add(head)
}

func (s *xlsxSheet) row(values []any) error {
	if s.rows >= maxSheetRows {
		return &store.InputError{Msg: fmt.Sprintf("%s has more rows than a worksheet holds (%d): filter it (serviceArea, municipality, metric, period) or download it as CSV", s.name, maxSheetRows-1)}
	}
	for i, v := range values {
		switch v := v.(type) {
		case string:
			s.cells[i] = neutralise(v)
		case date:
			t, err := time.Parse(time.DateOnly, string(v))
			if err != nil {
				return err
			}
			s.cells[i] = excelize.Cell{StyleID: s.dateID, Value: t}
		case time.Time:
			s.cells[i] = excelize.Cell{StyleID: s.timeID, Value: v}
		default: // nil (an empty cell), bool, int64, float64
			s.cells[i] = v
		}
	}
	return s.add(s.cells)
}

func (s *xlsxSheet) add(cells []any) error {
	s.rows++
	ref, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.stream.SetRow(ref, cells)
}

func (s *xlsxSheet) close() error {
	defer s.file.Close() // removes the stream's temporary file
	last, err := excelize.CoordinatesToCellName(s.columns, max(s.rows, 2))
	if err != nil {
		return err
	}
	// A table over the rows gives every column a filter button.
	if err := s.stream.AddTable(&excelize.Table{Range: "A1:" + last, Name: "data", StyleName: "TableStyleLight9"}); err != nil {
		return err
	}
	if err := s.stream.Flush(); err != nil {
		return err
	}
	return s.file.Write(s.w)
}

func ptr[T any](v T) *T { return &v }
