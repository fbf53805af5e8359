// Package kolada reads key figures in Kolada's v3 data format, the format of api.kolada.se, and turns
// them into observations of this data set's metrics. Kolada publishes municipality-wide figures (and
// the whole country as municipality "0000"), which serve as the reference lines beside the providers'
// own results.
package kolada

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jamforelse/api/store"
)

// File is a Kolada v3 data answer: {"values": [{"kpi", "municipality", "period", "values": [...]}]}.
type File struct {
	Values []Value `json:"values"`
}

// Value is one key figure for one municipality and year, split by gender.
type Value struct {
	KPI          string        `json:"kpi"`
	Municipality string        `json:"municipality"`
	Period       json.Number   `json:"period"`
	Values       []GenderValue `json:"values"`
}

// GenderValue is the figure for all ("T", totalt), women ("K", kvinnor) or men ("M", män). Value is null
// where Kolada has none. Count is how many units Kolada's figure aggregates (1 for one municipality),
// not a number of individuals, so it is not used as a sample size.
type GenderValue struct {
	Gender string   `json:"gender"`
	Value  *float64 `json:"value"`
	Count  *int     `json:"count"`
	Status *string  `json:"status"`
}

// Result is what a file held: the observations made from it, and the Kolada figures no metric maps to.
type Result struct {
	Observations []*store.Observation
	// Unmapped counts the figures of each Kolada KPI that no metric's koladaId names; they are skipped.
	Unmapped map[string]int
}

// Parse reads a Kolada v3 file and makes one observation per KPI, municipality and year whose KPI is
// the koladaId of one of metrics, attributed to sourceID. A file that is not in the format, or a
// figure that makes no sense (an unknown gender, a period that is not a year, a share outside 0–100),
// is refused whole, with the position of every problem.
func Parse(r io.Reader, metrics []*store.Metric, sourceID string) (*Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a Kolada v3 data file: %w", err)
	}
	if f.Values == nil {
		return nil, errors.New(`not a Kolada v3 data file: no "values" list`)
	}
	byKPI := map[string]*store.Metric{}
	for _, m := range metrics {
		if m.KoladaID != nil {
			byKPI[*m.KoladaID] = m
		}
	}
	res := &Result{Unmapped: map[string]int{}}
	var problems []string
	problem := func(i int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("values[%d]: ", i)+fmt.Sprintf(format, args...))
	}
	for i, v := range f.Values {
		m := byKPI[v.KPI]
		if v.KPI == "" {
			problem(i, "no kpi")
			continue
		}
		if m == nil {
			res.Unmapped[v.KPI]++
			continue
		}
		period := v.Period.String()
		if _, err := strconv.Atoi(period); err != nil || len(period) != 4 {
			problem(i, "period %q is not a year", period)
			continue
		}
		o := &store.Observation{
			MetricID: m.ID, MunicipalityCode: v.Municipality, Period: period, Status: store.StatusFinal, SourceID: sourceID,
		}
		seen := map[string]bool{}
		for _, g := range v.Values {
			if seen[g.Gender] {
				problem(i, "gender %q is given twice", g.Gender)
			}
			seen[g.Gender] = true
			if g.Value != nil && m.Unit == store.UnitPercent && (*g.Value < 0 || *g.Value > 100) {
				problem(i, "%v is not a percentage between 0 and 100", *g.Value)
			}
			switch g.Gender {
			case "T":
				o.Value = g.Value
				if g.Status != nil && *g.Status != "" {
					note := "Kolada-status: " + *g.Status
					o.Note = &note
					if strings.Contains(strings.ToLower(*g.Status), "prel") {
						o.Status = store.StatusPreliminary
					}
				}
			case "K":
				o.ValueWomen = g.Value
			case "M":
				o.ValueMen = g.Value
			default:
				problem(i, "gender %q is not T, K or M", g.Gender)
			}
		}
		res.Observations = append(res.Observations, o)
	}
	if len(problems) > 0 {
		return nil, &store.ValidationError{Problems: problems}
	}
	return res, nil
}
