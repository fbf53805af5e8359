package store

import (
	"regexp"
	"strconv"
	"time"
)

// Period is a span of time results are published for: a year ("2017"), a term ("2017-VT" for spring,
// January to June; "2017-HT" for autumn, July to December), a quarter ("2017-Q3") or a month ("2017-09").
type Period struct {
	Text  string
	Start Date
	End   Date
}

// periodForms tells callers which forms a period may take; it is part of the error they see.
const periodForms = `a year ("2017"), a term ("2017-VT" spring or "2017-HT" autumn), a quarter ("2017-Q3") or a month ("2017-09")`

var periodPattern = regexp.MustCompile(`^(\d{4})(?:-(VT|HT|Q[1-4]|0[1-9]|1[0-2]))?$`)

// ParsePeriod reads a period in one of its four forms; anything else is an InputError that names them.
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, inputErrorf("invalid period %q: use %s", s, periodForms)
	}
	year, _ := strconv.Atoi(m[1])
	if year < 1900 || year > 2200 {
		return Period{}, inputErrorf("invalid period %q: the year must be between 1900 and 2200; use %s", s, periodForms)
	}
	first, months := time.January, 12
	switch part := m[2]; {
	case part == "":
	case part == "VT":
		months = 6
	case part == "HT":
		first, months = time.July, 6
	case part[0] == 'Q':
		first, months = time.Month(3*int(part[1]-'1')+1), 3
	default:
		month, _ := strconv.Atoi(part)
		first, months = time.Month(month), 1
	}
	start := time.Date(year, first, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, -1)
	return Period{Text: s, Start: dateOf(start), End: dateOf(end)}, nil
}

func dateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// ParseDate reads an ISO 8601 calendar date such as "2018-07-01".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return "", inputErrorf("invalid date %q: use the form YYYY-MM-DD", s)
	}
	return Date(s), nil
}

// String returns the date in ISO 8601 form.
func (d Date) String() string { return string(d) }

func validPeriod(s string) error {
	_, err := ParsePeriod(s)
	return err
}
