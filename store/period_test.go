package store

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in         string
		start, end Date
	}{
		{"2017", "2017-01-01", "2017-12-31"},
		{"2017-VT", "2017-01-01", "2017-06-30"},
		{"2017-HT", "2017-07-01", "2017-12-31"},
		{"2017-Q1", "2017-01-01", "2017-03-31"},
		{"2017-Q3", "2017-07-01", "2017-09-30"},
		{"2016-02", "2016-02-01", "2016-02-29"}, // a leap year
		{"2017-12", "2017-12-01", "2017-12-31"},
		// A span a source gives that is no calendar period: the FUT figures, autumn 2016 to September 2017.
		{"2016-07-01--2017-09-30", "2016-07-01", "2017-09-30"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in)
		if err != nil || p.Start != tt.start || p.End != tt.end || p.Text != tt.in {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %s to %s", tt.in, p, err, tt.start, tt.end)
		}
	}
	for _, bad := range []string{"", "17", "2017-13", "2017-Q5", "2017-vt", "2017-H1", "2017-1", " 2017", "0000", "2017-00",
		"2017-09-30--2016-07-01", "2017-02-30--2017-03-01", "2016-07-01/2017-09-30"} {
		_, err := ParsePeriod(bad)
		var input *InputError
		if !errors.As(err, &input) || !strings.Contains(err.Error(), `"2017-VT"`) {
			t.Errorf("ParsePeriod(%q) = %v, want an InputError naming the accepted forms", bad, err)
		}
	}
}

// A span that is a calendar period must be written as that period, so each figure has one ID.
func TestParsePeriodRefusesACalendarPeriodAsASpan(t *testing.T) {
	for span, calendar := range map[string]string{"2017-01-01--2017-06-30": "2017-VT", "2017-01-01--2017-12-31": "2017", "2017-07-01--2017-09-30": "2017-Q3", "2016-02-01--2016-02-29": "2016-02"} {
		if _, err := ParsePeriod(span); err == nil || !strings.Contains(err.Error(), `"`+calendar+`"`) {
			t.Errorf("ParsePeriod(%q) = %v, want an error naming %q", span, err, calendar)
		}
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		id, typ, key string
		ok           bool
	}{
		{"Provider:sundbyberg-vuxenutbildning", "Provider", "sundbyberg-vuxenutbildning", true},
		{"Municipality:0183", "Municipality", "0183", true},
		{"Observation:sfi-pass-rate/sundbyberg-vuxenutbildning/2018", "Observation", "sfi-pass-rate/sundbyberg-vuxenutbildning/2018", true},
		{"Provider", "", "", false},
		{"Provider:", "", "", false},
		{"Provider:Well-formed", "Provider", "Well-formed", true}, // well formed, though no provider has it
		{"Spaceship:x", "", "", false},
		{"Provider:x; DROP TABLE providers", "", "", false},
	}
	for _, tt := range tests {
		typ, key, err := ParseID(tt.id)
		if (err == nil) != tt.ok || typ != tt.typ || key != tt.key {
			t.Errorf("ParseID(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.id, typ, key, err, tt.typ, tt.key, tt.ok)
		}
	}
}

func TestObservationIDRoundTrip(t *testing.T) {
	provider := "Provider:komvux-a"
	for _, o := range []Observation{
		{MetricID: "Metric:sfi-pass-rate", ProviderID: &provider, MunicipalityCode: "0183", Period: "2018-HT"},
		{MetricID: "Metric:sfi-pass-rate", MunicipalityCode: "0000", Period: "2018"},
		{MetricID: "Metric:fut-police-reports", MunicipalityCode: "0183", Period: "2016-07-01--2017-09-30"},
	} {
		id := o.ID()
		_, key, err := ParseID(id)
		if err != nil {
			t.Fatalf("ParseID(%q): %v", id, err)
		}
		metric, p, code, period, ok := parseObservationKey(key)
		if !ok || metric != o.MetricID || period != o.Period || (p == nil) != (o.ProviderID == nil) || (p == nil && code != o.MunicipalityCode) {
			t.Errorf("parseObservationKey(%q) = %q, %v, %q, %q, %v; want the parts of %+v", key, metric, p, code, period, ok, o)
		}
	}
}
