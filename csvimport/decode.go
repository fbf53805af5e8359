package csvimport

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decode turns a file's bytes into text, the way spreadsheets save it: UTF-8 with or without a
// byte-order mark, UTF-16 with one (Excel's "Unicode text"), or Windows-1252 (Excel's "CSV
// (semikolonavgränsad)" on a Swedish Windows). A file that is none of these, such as a workbook, a
// binary file, UTF-16 without its mark, or UTF-8 with broken characters, is refused, naming the line.
func decode(data []byte, name string) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "", fmt.Errorf("%s:1: this is an Excel or LibreOffice workbook (.xlsx, .ods), not CSV: save it as CSV (semikolonavgränsad) or CSV UTF-8", name)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")):
		return "", fmt.Errorf("%s:1: this is an old Excel workbook (.xls), not CSV: save it as CSV (semikolonavgränsad) or CSV UTF-8", name)
	case bytes.HasPrefix(data, []byte("\xFF\xFE")), bytes.HasPrefix(data, []byte("\xFE\xFF")):
		text, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%s:1: the file starts as UTF-16 but cannot be read as it: %v", name, err)
		}
		if i := bytes.IndexRune(text, utf8.RuneError); i >= 0 {
			return "", fmt.Errorf("%s:%d: the file starts as UTF-16 but holds a broken character here", name, lineAt(text, i))
		}
		return string(text), nil
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", fmt.Errorf("%s:%d: the file holds NUL bytes: it is not a text file, or it is UTF-16 without its byte-order mark; save it again as CSV", name, lineAt(data, i))
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	bad := firstInvalidUTF8(data)
	if utf8Sequences(data) > 0 {
		return "", fmt.Errorf("%s:%d: the file is neither UTF-8 (a broken character here, %q) nor Windows-1252 (it has UTF-8 characters elsewhere): save it again as CSV UTF-8",
			name, lineAt(data, bad), data[bad:min(bad+4, len(data))])
	}
	for i, b := range data {
		if b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D { // no character in Windows-1252
			return "", fmt.Errorf("%s:%d: the byte %#x is neither UTF-8 nor Windows-1252: save the file again as CSV UTF-8", name, lineAt(data, i), b)
		}
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("%s: cannot be read as Windows-1252: %v", name, err)
	}
	return string(text), nil
}

// utf8Sequences counts the valid multi-byte UTF-8 characters in data: Windows-1252 text almost never
// has one (it would take "Ã¤" and the like), UTF-8 with a broken character has many.
func utf8Sequences(data []byte) int {
	n := 0
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r != utf8.RuneError && size > 1 {
			n++
		}
		data = data[max(size, 1):]
	}
	return n
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// lineAt is the line, from 1, of byte offset i.
func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte("\n")) + 1 }

// lineEnds makes classic Mac line ends (CR alone) into LF, so a file saved with them is read by line;
// CRLF and LF files are read as they are.
func lineEnds(text string) string {
	if strings.Contains(text, "\r") && !strings.Contains(text, "\n") {
		return strings.ReplaceAll(text, "\r", "\n")
	}
	return text
}
