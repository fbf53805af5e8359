package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/store"
)

// date is a day without time, as a cell holds it: written as 2018-07-01, a date in a workbook.
type date string

// cell is a value as the files hold it: nil (an empty cell), a string (text: IDs, codes such as
// "0183", names, enum values), a bool, an int64 or float64 (a figure), a date or a time.Time (UTC).
// Pointers are followed, and named types (the domain's enums) become what they are underneath.
func cell(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case string, bool, int64, float64:
		return v
	case int:
		return int64(v)
	case store.Date:
		return date(v)
	case time.Time:
		return v.UTC()
	case *string: // the common pointers, without reflection
		if v == nil {
			return nil
		}
		return *v
	case *float64:
		if v == nil {
			return nil
		}
		return *v
	case *int:
		if v == nil {
			return nil
		}
		return int64(*v)
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer:
		if r.IsNil() {
			return nil
		}
		return cell(r.Elem().Interface())
	case reflect.String:
		return r.String()
	case reflect.Int, reflect.Int64:
		return r.Int()
	case reflect.Float64:
		return r.Float()
	case reflect.Bool:
		return r.Bool()
	}
	return fmt.Sprint(v)
}

// neutralise keeps a text from being run as a formula by a spreadsheet that opens the file: a text
// that begins with =, +, -, @, a tab, a carriage return, a line feed or a NUL gets a leading
// apostrophe, which spreadsheets read as "this is text" (OWASP's CSV-injection advice, and ASVS 5.0
// 1.2.10, which names the same characters for CSV and workbooks alike). Quoting, as RFC 4180 asks,
// keeps separators and quotes inside a cell from starting a new one. The store refuses such texts on
// every write (store/rules.go); this holds for a database written before that rule, or by other tools.
func neutralise(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r\n\x00", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// csvSheet writes RFC 4180 CSV, or the Swedish-Excel dialect: a byte-order mark, semicolons and
// decimal commas.
type csvSheet struct {
	buf     *bufio.Writer
	w       *csv.Writer
	dialect Dialect
	record  []string
}

func newCSV(w io.Writer, dialect Dialect) *csvSheet {
	buf := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true // RFC 4180's line end, and Excel's
	if dialect == ExcelSV {
		buf.WriteString("\uFEFF")
		cw.Comma = ';'
	}
	return &csvSheet{buf: buf, w: cw, dialect: dialect}
}

func (s *csvSheet) header(columns []string) error {
	s.record = make([]string, len(columns))
	return s.w.Write(columns)
}

func (s *csvSheet) row(values []any) error {
	for i, v := range values {
		s.record[i] = s.text(v)
	}
	return s.w.Write(s.record)
}

// text is a cell as CSV writes it: empty for null, decimals without exponents (with a comma in the
// Swedish dialect), times in UTC.
func (s *csvSheet) text(v any) string {
	sv := s.dialect == ExcelSV
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return neutralise(v)
	case bool:
		if sv {
			return map[bool]string{true: "SANT", false: "FALSKT"}[v] // Swedish Excel's TRUE and FALSE
		}
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		x := strconv.FormatFloat(v, 'f', -1, 64)
		if sv {
			return strings.Replace(x, ".", ",", 1)
		}
		return x
	case date:
		return string(v)
	case time.Time:
		if sv {
			return v.Format(time.DateTime) // a date and time Swedish Excel reads as one, in UTC
		}
		return v.Format(time.RFC3339Nano)
	}
	return neutralise(fmt.Sprint(v))
}

func (s *csvSheet) close() error {
	s.w.Flush() // the CSV writer buffers too, above buf
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.buf.Flush()
}

// ndjsonSheet writes one JSON object per row, its keys the columns in order, values as encoding/json
// writes them. JSON is no spreadsheet: texts are as stored.
type ndjsonSheet struct {
	buf     *bufio.Writer
	columns [][]byte // each column's name as JSON
	line    []byte
	text    bytes.Buffer
	enc     *json.Encoder // writes strings into text, without escaping <, > and & for HTML
}

func newNDJSON(w io.Writer, columns []string) *ndjsonSheet {
	s := &ndjsonSheet{buf: bufio.NewWriterSize(w, 64<<10)}
	s.enc = json.NewEncoder(&s.text)
	s.enc.SetEscapeHTML(false)
	for _, c := range columns {
		name, _ := json.Marshal(c)
		s.columns = append(s.columns, name)
	}
	return s
}

func (s *ndjsonSheet) header([]string) error { return nil }

func (s *ndjsonSheet) row(values []any) error {
	line := append(s.line[:0], '{')
	for i, v := range values {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(append(line, s.columns[i]...), ':')
		switch v := v.(type) {
		case nil:
			line = append(line, "null"...)
		case bool:
			line = strconv.AppendBool(line, v)
		case int64:
			line = strconv.AppendInt(line, v, 10)
		case float64:
			line = appendJSONFloat(line, v)
		case date:
			line = strconv.AppendQuote(line, string(v))
		case time.Time:
			line = strconv.AppendQuote(line, v.Format(time.RFC3339Nano))
		case string:
			s.text.Reset()
			if err := s.enc.Encode(v); err != nil {
				return err
			}
			line = append(line, bytes.TrimSuffix(s.text.Bytes(), []byte("\n"))...)
		}
	}
	s.line = append(line, '}', '\n')
	_, err := s.buf.Write(s.line)
	return err
}

// appendJSONFloat writes a number as encoding/json does: without an exponent from 1e-6 to 1e21, and
// with a short one outside.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1] // 1e-07 is 1e-7
		b = b[:n-1]
	}
	return b
}

func (s *ndjsonSheet) close() error { return s.buf.Flush() }
