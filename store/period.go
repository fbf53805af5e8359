package store

import (
	"regexp"
	"strconv"
	"time"
)

// Period is a span of time results are published for: a year ("2017"), a term ("2017-VT" for spring,
// January to June; "2017-HT" for autumn, July to December), a quarter ("2017-Q3"), a month ("2017-09"),
// or, when a source's figures cover a span that is none of these, the span from its first to its last day
// ("2016-07-01--2017-09-30", ISO 8601's interval with the double hyphen it allows in place of a solidus,
// which an observation's ID cannot hold).
type Period struct {
	Text  string
	Start Date
	End   Date
	Kind  PeriodKind
	Year  int // the year of a calendar period, and of a range's first day
	Part  int // the term (1, 2), quarter (1–4) or month (1–12) within the year; 0 for a year or a range
}

// PeriodKind is the form a period takes.
type PeriodKind int

const (
	PeriodYear PeriodKind = iota
	PeriodTerm
	PeriodQuarter
	PeriodMonth
	PeriodRange
)

// periodForms tells callers which forms a period may take; it is part of the error they see.
const periodForms = `a year ("2017"), a term ("2017-VT" spring or "2017-HT" autumn), a quarter ("2017-Q3"), a month ("2017-09"), ` +
	`or a span of days from its first to its last ("2016-07-01--2017-09-30")`

var (
	periodPattern = regexp.MustCompile(`^(\d{4})(?:-(VT|HT|Q[1-4]|0[1-9]|1[0-2]))?$`)
	rangePattern  = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})--(\d{4}-\d{2}-\d{2})$`)
)

// ParsePeriod reads a period in one of its forms; anything else is an InputError that names them.
func ParsePeriod(s string) (Period, error) {
	if m := rangePattern.FindStringSubmatch(s); m != nil {
		return parseRange(s, m[1], m[2])
	}
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		return Period{}, inputErrorf("invalid period %q: use %s", s, periodForms)
	}
	year, _ := strconv.Atoi(m[1])
	if year < 1900 || year > 2200 {
		return Period{}, inputErrorf("invalid period %q: the year must be between 1900 and 2200; use %s", s, periodForms)
	}
	p := Period{Text: s, Kind: PeriodYear, Year: year}
	first, months := time.January, 12
	switch part := m[2]; {
	case part == "":
	case part == "VT":
		p.Kind, p.Part, months = PeriodTerm, 1, 6
	case part == "HT":
		p.Kind, p.Part, first, months = PeriodTerm, 2, time.July, 6
	case part[0] == 'Q':
		p.Kind, p.Part = PeriodQuarter, int(part[1]-'0')
		first, months = time.Month(3*p.Part-2), 3
	default:
		month, _ := strconv.Atoi(part)
		p.Kind, p.Part, first, months = PeriodMonth, month, time.Month(month), 1
	}
	start := time.Date(year, first, 1, 0, 0, 0, 0, time.UTC)
	p.Start, p.End = dateOf(start), dateOf(start.AddDate(0, months, -1))
	return p, nil
}

// parseRange reads a span of days. One that is a calendar period must be written as that period, so each
// span has one name.
func parseRange(s, from, to string) (Period, error) {
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	switch {
	case err1 != nil || err2 != nil || dateOf(start) != Date(from) || dateOf(end) != Date(to):
		return Period{}, inputErrorf("invalid period %q: both ends must be real dates, YYYY-MM-DD; use %s", s, periodForms)
	case start.Year() < 1900 || end.Year() > 2200:
		return Period{}, inputErrorf("invalid period %q: the years must be between 1900 and 2200; use %s", s, periodForms)
	case !end.After(start):
		return Period{}, inputErrorf("invalid period %q: the last day must come after the first; use %s", s, periodForms)
	}
	for _, calendar := range calendarPeriods(start.Year()) {
		if p, _ := ParsePeriod(calendar); p.Start == Date(from) && p.End == Date(to) {
			return Period{}, inputErrorf("invalid period %q: it is the calendar period %q; write it so", s, calendar)
		}
	}
	return Period{Text: s, Start: Date(from), End: Date(to), Kind: PeriodRange, Year: start.Year()}, nil
}

// calendarPeriods names the year, terms, quarters and months of a year.
func calendarPeriods(year int) []string {
	y := strconv.Itoa(year)
	names := []string{y, y + "-VT", y + "-HT", y + "-Q1", y + "-Q2", y + "-Q3", y + "-Q4"}
	for month := 1; month <= 12; month++ {
		names = append(names, y+"-"+twoDigits(month))
	}
	return names
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Partitions returns the ways a calendar period divides into smaller ones without gaps or overlaps: a year
// into its terms, its quarters or its months; a term into its quarters or its months; a quarter into its
// months. A month and a range have none. A figure for the period is the sum of the figures for the parts
// of each partition, which is what lets a reader subtract.
func (p Period) Partitions() [][]string {
	y := strconv.Itoa(p.Year)
	months := func(first, last int) []string {
		var out []string
		for m := first; m <= last; m++ {
			out = append(out, y+"-"+twoDigits(m))
		}
		return out
	}
	switch p.Kind {
	case PeriodYear:
		return [][]string{{y + "-VT", y + "-HT"}, {y + "-Q1", y + "-Q2", y + "-Q3", y + "-Q4"}, months(1, 12)}
	case PeriodTerm:
		q := 2*p.Part - 1
		return [][]string{{y + "-Q" + strconv.Itoa(q), y + "-Q" + strconv.Itoa(q+1)}, months(6*p.Part-5, 6*p.Part)}
	case PeriodQuarter:
		return [][]string{months(3*p.Part-2, 3*p.Part)}
	}
	return nil
}

func dateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// nextDay is the day after d, a valid date.
func nextDay(d Date) Date {
	t, _ := time.Parse(time.DateOnly, string(d))
	return dateOf(t.AddDate(0, 0, 1))
}

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
