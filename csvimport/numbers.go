package csvimport

import (
	"regexp"
	"strconv"
	"strings"
)

// Numbers as Swedish spreadsheets write them: a decimal comma or point ("71,5", "71.5"), thousands
// grouped by a space, a no-break space (U+00A0) or a narrow no-break space (U+202F) ("1 200"), the
// typographic minus (U+2212), an exponent ("1,5E+03"), and for a share a per cent sign ("71,5 %").
// Anything else (NaN, Inf, hex floats, two decimal marks, letters) is not a number.
var (
	groupSpaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ", "\u2009", " ")
	numberForm  = regexp.MustCompile(`^[+-]?(\d{1,3}( \d{3})+|\d+)?([.,]\d+)?([eE][+-]?\d{1,3})?$`)
)

// number reads a number as the file has it. percent reports a trailing per cent sign; ok is false
// when s is not a number.
func number(s string) (x float64, percent, ok bool) {
	s = strings.TrimSpace(groupSpaces.Replace(s))
	s = strings.Replace(s, "\u2212", "-", 1)
	if rest, found := strings.CutSuffix(s, "%"); found {
		s, percent = strings.TrimSpace(rest), true
	}
	digits := strings.TrimLeft(s, "+-")
	if !numberForm.MatchString(s) || digits == "" || digits[0] == 'e' || digits[0] == 'E' || strings.Trim(digits, ".,") == "" {
		return 0, percent, false
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ",", "."), 64)
	return x, percent, err == nil
}

// whole reads a whole number as the file has it (thousands may be grouped); ok is false for anything
// else, such as "12.5" or "1,200".
func whole(s string) (n int, ok bool) {
	s = strings.ReplaceAll(strings.TrimSpace(groupSpaces.Replace(s)), " ", "")
	s = strings.Replace(s, "\u2212", "-", 1)
	if s == "" || strings.Trim(strings.TrimLeft(s, "+-"), "0123456789") != "" || len(s) > 12 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
