package store

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseID: any text is either a well-formed ID, whose parts put together give it back, or an
// InputError; it never panics.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"Provider:sundbyberg-vuxenutbildning", "Observation:sfi-pass-rate/0183/2018-HT", "Municipality:0183",
		"", ":", "Provider:", "Spaceship:x", "Provider:x; DROP TABLE providers", "Observation:a/b/c/d", "Provider:\u00e5\u00e4\u00f6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		typ, key, err := ParseID(id)
		if err != nil {
			var input *InputError
			if !errors.As(err, &input) {
				t.Fatalf("ParseID(%q) = %v, want an InputError", id, err)
			}
			return
		}
		if typ+":"+key != id {
			t.Fatalf("ParseID(%q) = %q, %q, which do not make the ID again", id, typ, key)
		}
		if typ == "Observation" {
			if metric, provider, municipality, period, ok := parseObservationKey(key); ok {
				if got := ObservationID(metric, provider, municipality, period); got != id {
					t.Fatalf("observation ID %q parses to parts that make %q", id, got)
				}
			}
		}
	})
}

// FuzzDecodeCursor: a cursor is decoded or refused with an InputError, never a panic, and a decoded
// cursor encodes back to the same text.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{order: "NAME ASC", keys: []string{"Alfa", "Provider:a"}}.String(), "NAME ASC")
	f.Add(cursor{order: "UPDATED_AT ASC", keys: []string{"2026-01-01T00:00:00Z", "17"}}.String(), "UPDATED_AT ASC")
	f.Add("not a cursor!", "NAME ASC")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, s, order string) {
		c, err := decodeCursor(s, order)
		if err != nil {
			var input *InputError
			if !errors.As(err, &input) {
				t.Fatalf("decodeCursor(%q) = %v, want an InputError", s, err)
			}
			return
		}
		if c.order != order || strings.Contains(c.order, "\x1f") {
			t.Fatalf("decodeCursor(%q, %q) = order %q", s, order, c.order)
		}
		if again, err := decodeCursor(c.String(), order); err != nil || strings.Join(again.keys, "\x1f") != strings.Join(c.keys, "\x1f") {
			t.Fatalf("cursor %q does not survive encoding again: %v", s, err)
		}
	})
}

// FuzzParsePeriod: a period is valid, with a start no later than its end and text that parses to the
// same dates, or an InputError that names the accepted forms.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2017", "2017-VT", "2017-HT", "2017-Q3", "2017-09", "2017-13", "autumn", "0000-Q0", "2200-12", "1900"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !strings.Contains(err.Error(), "2017-VT") {
				t.Fatalf("ParsePeriod(%q) error %q does not name the accepted forms", s, err)
			}
			return
		}
		if p.Start > p.End || p.Text != s {
			t.Fatalf("ParsePeriod(%q) = %+v", s, p)
		}
		if _, err := ParseDate(string(p.Start)); err != nil {
			t.Fatalf("ParsePeriod(%q) start %q is no date", s, p.Start)
		}
	})
}

// FuzzObservationFilter runs filters made of any text against a real database: each either answers
// or is refused with an InputError; no filter causes any other error, and none panics.
func FuzzObservationFilter(f *testing.F) {
	db := openTestDB(f, smallDataset())
	f.Add("Metric:sfi-pass-rate", "Provider:p0", "0183", "2018", "ServiceArea:sfi", 10, true)
	f.Add("", "", "", "", "", 0, false)
	f.Add(`Metric:x"]`, "Provider:'; DROP TABLE observations; --", "01 83", "2018-13", "ServiceArea:", -1, false)
	f.Fuzz(func(t *testing.T, metric, provider, municipality, period, area string, first int, aboutProvider bool) {
		filter := ObservationFilter{Metrics: []string{metric}, AboutProvider: &aboutProvider}
		for _, set := range []struct {
			value string
			into  **string
		}{{provider, &filter.Provider}, {municipality, &filter.Municipality}, {period, &filter.Period}, {area, &filter.ServiceArea}} {
			if set.value != "" {
				v := set.value
				*set.into = &v
			}
		}
		c, err := db.Catalog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		page, err := db.Observations(t.Context(), c, filter, ObservationOrder{}, PageArgs{First: &first})
		if err == nil {
			_, err = page.TotalCount(t.Context())
		}
		var input *InputError
		if err != nil && !errors.As(err, &input) {
			t.Fatalf("filter %+v: %v, want an answer or an InputError", filter, err)
		}
	})
}
