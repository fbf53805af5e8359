// Package kolada reads key figures in Kolada's v3 data format, as api.kolada.se serves them, and turns
// them into observations of this data set's metrics; Sync fetches them from the API. Kolada publishes
// figures for whole municipalities, regions and the country ("0000"), which serve as the reference
// lines beside the providers' own results.
package kolada

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jamforelse/api/store"
)

// A page is one answer of Kolada's data API (v3), with its envelope:
//
//	{"count": 2, "values": [{"kpi", "municipality", "period", "values": [{"gender", "value", "count",
//	 "status", "isdeleted"}]}], "next_url": "…", "previous_url": null}
//
// A file may hold several pages one after the other, as `curl` writes them when it follows next_url.
type page struct {
	// Illustrative is this project's own mark on a file of invented figures in Kolada's format (the
	// seed's); such figures can only be attributed to an illustrative source.
	Illustrative bool     `json:"illustrative"`
	Count        *int     `json:"count"`
	Values       *[]Value `json:"values"`
	NextURL      *string  `json:"next_url"`
	PreviousURL  *string  `json:"previous_url"`
}

// Value is one key figure for one municipality (or region, group, the country) and year, split by gender.
type Value struct {
	KPI          string        `json:"kpi"`
	Municipality string        `json:"municipality"`
	Period       json.Number   `json:"period"`
	Values       []GenderValue `json:"values"`
}

// GenderValue is the figure for all ("T", totalt), women ("K", kvinnor) or men ("M", män). Value is null
// where Kolada has none. Count is how many units Kolada's figure aggregates (1 for one municipality),
// not a number of individuals, so it is not used as a sample size. IsDeleted marks a value Kolada has
// withdrawn since an earlier download (answers to from_date queries carry them).
type GenderValue struct {
	Gender    string   `json:"gender"`
	Value     *float64 `json:"value"`
	Count     *int     `json:"count"`
	Status    *string  `json:"status"`
	IsDeleted bool     `json:"isdeleted"`
}

// Into says what a file is read into: the data set's metrics (a KPI maps to the metric whose koladaId
// names it), the places it knows, and the source the figures are attributed to.
type Into struct {
	Metrics            []*store.Metric
	Municipalities     []*store.Municipality
	SourceID           string
	SourceIllustrative bool
}

// IntoCatalog reads into a stored data set's metrics and places, attributed to sourceID.
func IntoCatalog(c *store.Catalog, sourceID string) Into {
	return Into{Metrics: c.Metrics(""), Municipalities: c.Municipalities(), SourceID: sourceID, SourceIllustrative: c.Illustrative(sourceID)}
}

// Result is what a file held: the figures to add or correct, those Kolada has withdrawn, and what was
// skipped, counted, so a nightly job can say so without stopping.
type Result struct {
	Observations []*store.Observation
	// Removed are the figures Kolada marks isdeleted: the store deletes them where they came from the
	// same source.
	Removed []*store.Observation
	Pages   int
	// Unmapped counts the figures of each KPI that no metric's koladaId names.
	Unmapped map[string]int
	// Skipped counts figures about places the data set does not hold, by why: municipality groups
	// (Kolada ids starting with G, averages of their members), or codes the register lacks.
	Skipped map[string]int
}

// SkippedGroups is the reason figures of Kolada's municipality groups are skipped.
const SkippedGroups = "municipality groups (Kolada ids G…), which are averages of their members, not places"

// Parse reads a file of one or more Kolada v3 pages. Every figure whose KPI maps to a metric and whose
// place the data set holds becomes an observation attributed to into.SourceID; a figure must pass the
// store's rules (store.FigureProblems). A file that is not in the format (a v2 file is named as such),
// data after the last page, or a figure that makes no sense, is refused whole, with where each problem
// is.
func Parse(r io.Reader, into Into) (*Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	p := parser{into: into, metrics: map[string]*store.Metric{}, places: map[string]bool{}}
	total := NewResult()
	for _, m := range into.Metrics {
		if m.KoladaID != nil {
			p.metrics[*m.KoladaID] = m
		}
	}
	for _, m := range into.Municipalities {
		p.places[m.Code] = true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		start += int64(len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n"))) // where the next page begins
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		at := fmt.Sprintf("page %d (line %d)", total.Pages+1, lineOf(data, start))
		if err != nil {
			if total.Pages > 0 {
				return nil, fmt.Errorf("after the last page, at line %d: %v: a file may hold only Kolada pages, one after the other", lineOf(data, start), err)
			}
			return nil, fmt.Errorf("not a Kolada v3 data file: %w", err)
		}
		p.res = NewResult()
		if err := p.page(raw, at); err != nil {
			return nil, err
		}
		p.res.Pages = 1
		total.Merge(p.res)
	}
	if total.Pages == 0 {
		return nil, errors.New("not a Kolada v3 data file: the file is empty")
	}
	if len(p.problems) > 0 {
		return nil, &store.ValidationError{Problems: p.problems}
	}
	return total, nil
}

type parser struct {
	into     Into
	res      *Result // of the page being read
	metrics  map[string]*store.Metric
	places   map[string]bool
	problems []string
}

// page reads one page, after checking that it is what it claims to be.
func (p *parser) page(raw json.RawMessage, at string) error {
	if err := recognise(raw); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var pg page
	if err := dec.Decode(&pg); err != nil {
		return fmt.Errorf("%s: not a Kolada v3 data page: %w", at, err)
	}
	if pg.Values == nil {
		return fmt.Errorf(`%s: not a Kolada v3 data page: no "values" list`, at)
	}
	if pg.Illustrative && !p.into.SourceIllustrative {
		return fmt.Errorf("%s: the file says its figures are invented (\"illustrative\": true), so they cannot be attributed to %s, "+
			"which is not an illustrative source: import real pages from api.kolada.se instead", at, p.into.SourceID)
	}
	for i, v := range *pg.Values {
		p.value(v, fmt.Sprintf("%s, values[%d]", at, i))
	}
	return nil
}

// recognise names the files that look like Kolada data but are not v3 municipality data.
func recognise(raw json.RawMessage) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return errors.New("not a Kolada v3 data page: a page is a JSON object")
	}
	for _, v2 := range []string{"next_page", "previous_page"} { // v3 calls them next_url and previous_url
		if _, ok := fields[v2]; ok {
			return fmt.Errorf("this is a page of Kolada's API v2 (it has %s), which was retired in 2025 and does not mark "+
				"withdrawn figures: download it again from https://api.kolada.se/v3/data/…", v2)
		}
	}
	var values []map[string]json.RawMessage
	if json.Unmarshal(fields["values"], &values) == nil && len(values) > 0 {
		if _, ou := values[0]["ou"]; ou {
			return errors.New("this is data for organisational units (schools, units: /v3/oudata), not for municipalities: download /v3/data/… instead")
		}
		if _, metadata := values[0]["title"]; metadata {
			return errors.New("this is Kolada metadata (it has titles), not data: download /v3/data/… instead")
		}
	}
	return nil
}

// value turns one Kolada figure into an observation, a removal, a count of what was skipped, or a
// problem.
func (p *parser) value(v Value, at string) {
	problem := func(format string, args ...any) {
		p.problems = append(p.problems, at+": "+fmt.Sprintf(format, args...))
	}
	period := v.Period.String()
	switch {
	case v.KPI == "":
		problem("no kpi")
		return
	case v.Municipality == "":
		problem("no municipality")
		return
	case len(period) != 4 || strings.Trim(period, "0123456789") != "":
		problem("period %q is not a year", period)
		return
	}
	m := p.metrics[v.KPI]
	switch {
	case m == nil:
		p.res.Unmapped[v.KPI]++
		return
	case strings.HasPrefix(v.Municipality, "G"):
		p.res.Skipped[SkippedGroups]++
		return
	case !p.places[v.Municipality]:
		p.res.Skipped[fmt.Sprintf("code %q, which the register does not hold", v.Municipality)]++
		return
	}
	o := &store.Observation{MetricID: m.ID, MunicipalityCode: v.Municipality, Period: period, Status: store.StatusFinal, SourceID: p.into.SourceID}
	deleted, seen := false, map[string]bool{}
	for _, g := range v.Values {
		if seen[g.Gender] {
			problem("gender %q is given twice", g.Gender)
		}
		seen[g.Gender] = true
		value := g.Value
		if g.IsDeleted {
			value = nil
		}
		switch g.Gender {
		case "T":
			o.Value, deleted = value, g.IsDeleted
			if g.Status != nil && *g.Status != "" && !g.IsDeleted {
				note := "Kolada-status: " + *g.Status
				o.Note = &note
				if strings.Contains(strings.ToLower(*g.Status), "prel") {
					o.Status = store.StatusPreliminary
				}
			}
		case "K":
			o.ValueWomen = value
		case "M":
			o.ValueMen = value
		default:
			problem("gender %q is not T, K or M", g.Gender)
		}
	}
	if deleted {
		// Kolada has withdrawn the figure for all: the figure goes, whatever remains of its parts.
		p.res.Removed = append(p.res.Removed, &store.Observation{MetricID: m.ID, MunicipalityCode: v.Municipality, Period: period, SourceID: p.into.SourceID})
		return
	}
	for _, fp := range store.FigureProblems(o, m) {
		problem("%s %s %s: %s: %s", v.KPI, v.Municipality, period, fp.Field, fp.Message)
	}
	p.res.Observations = append(p.res.Observations, o)
}

// Summary lists, sorted, what a result skipped, one line each, for a command's output.
func (r *Result) Summary() []string {
	var lines []string
	for _, kpi := range sortedKeys(r.Unmapped) {
		lines = append(lines, fmt.Sprintf("skipped %d figure(s) of %s, which no metric's koladaId names", r.Unmapped[kpi], kpi))
	}
	for _, why := range sortedKeys(r.Skipped) {
		lines = append(lines, fmt.Sprintf("skipped %d figure(s) about %s", r.Skipped[why], why))
	}
	return lines
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Merge adds b's figures and counts to r, for several pages or files read as one import: a figure both
// hold is taken from b, the later one.
func (r *Result) Merge(b *Result) {
	later := map[string]bool{}
	for _, o := range slices.Concat(b.Observations, b.Removed) {
		later[o.ID()] = true
	}
	earlier := func(o *store.Observation) bool { return later[o.ID()] }
	r.Observations = append(slices.DeleteFunc(r.Observations, earlier), b.Observations...)
	r.Removed = append(slices.DeleteFunc(r.Removed, earlier), b.Removed...)
	r.Pages += b.Pages
	for k, n := range b.Unmapped {
		r.Unmapped[k] += n
	}
	for k, n := range b.Skipped {
		r.Skipped[k] += n
	}
}

// NewResult is an empty result, to Merge others into.
func NewResult() *Result { return &Result{Unmapped: map[string]int{}, Skipped: map[string]int{}} }
