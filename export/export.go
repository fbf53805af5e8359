// Package export writes whole tables of the data set as files for bulk download: RFC 4180 CSV in UTF-8
// with a header row, or newline-delimited JSON, one object per line. Rows are streamed as they are read,
// so memory stays constant however many there are, and suppressed figures stay suppressed. Every row
// names its source and says whether it is illustrative.
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/store"
)

// Format is a file format for a table.
type Format string

const (
	CSV    Format = "csv"
	NDJSON Format = "ndjson"
)

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8; header=present"
	}
	return "application/x-ndjson; charset=utf-8"
}

// table is one downloadable table: its columns, and a function that produces its rows in order.
type table struct {
	columns []string
	rows    func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error
}

// Tables lists the names of the tables that can be exported.
func Tables() []string { return slices.Sorted(maps.Keys(tables)) }

var tables = map[string]table{
	"providers": {
		columns: []string{"id", "name", "organisation_number", "operating_form", "municipality_code", "website",
			"service_area_ids", "source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			for _, p := range c.AllProviders() {
				var areas []string
				for _, a := range c.ProviderServiceAreas(p.ID) {
					areas = append(areas, a.ID)
				}
				if err := row(p.ID, p.Name, p.OrganisationNumber, p.OperatingForm, p.MunicipalityCode, p.Website,
					strings.Join(areas, ";"), p.SourceID, c.Illustrative(p.SourceID), p.UpdatedAt); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"metrics": {
		columns: []string{"id", "name", "description", "definition", "unit", "direction", "service_area_id", "kolada_id",
			"headline", "related_metric_ids", "formula_numerator_id", "formula_denominator_id", "formula_factor", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			for _, m := range c.Metrics("") {
				var num, den, factor any
				if f := m.Formula; f != nil {
					num, den, factor = f.NumeratorID, f.DenominatorID, f.Factor
				}
				if err := row(m.ID, m.Name, m.Description, m.Definition, m.Unit, m.Direction, m.ServiceAreaID, m.KoladaID,
					m.Headline, strings.Join(m.RelatedIDs, ";"), num, den, factor, m.SourceID, c.Illustrative(m.SourceID)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"observations": {
		columns: []string{"id", "metric_id", "provider_id", "municipality_code", "period", "period_start", "period_end",
			"value", "value_women", "value_men", "sample_size", "suppressed", "suppression_reason", "status", "note", "source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			return db.EachObservation(ctx, c, func(o *store.Observation) error {
				return row(o.ID(), o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period, o.PeriodStart, o.PeriodEnd,
					o.Value, o.ValueWomen, o.ValueMen, o.SampleSize, o.Suppressed, o.SuppressionReason, o.Status, o.Note, o.SourceID,
					c.Illustrative(o.SourceID), o.UpdatedAt)
			})
		},
	},
	"price-items": {
		columns: []string{"price_list_id", "scheme_id", "service_area_id", "municipality_code", "valid_from", "valid_to", "decided_on",
			"position", "label", "unit", "amount_ore", "amount_sek", "result_based_share", "paid_when", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			for _, s := range c.Schemes("", "") {
				for _, l := range c.PriceLists(s.ID) {
					for i, it := range l.Items {
						if err := row(l.ID, s.ID, s.ServiceAreaID, s.MunicipalityCode, l.ValidFrom, l.ValidTo, l.DecidedOn,
							i+1, it.Label, it.Unit, it.Amount.Ore, it.Amount.SEK(), it.ResultBasedShare, it.PaidWhen,
							l.SourceID, c.Illustrative(l.SourceID)); err != nil {
							return err
						}
					}
				}
			}
			return nil
		},
	},
	"associations": {
		columns: []string{"id", "name", "status", "starts_on", "county", "annual_budget_ore", "annual_budget_sek",
			"estimated_reach_min", "estimated_reach_max", "municipality_codes", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			for _, a := range c.Associations() {
				var ore, sek any
				if a.AnnualBudget != nil {
					ore, sek = a.AnnualBudget.Ore, a.AnnualBudget.SEK()
				}
				if err := row(a.ID, a.Name, a.Status, a.StartsOn, a.County, ore, sek, a.EstimatedReachMin, a.EstimatedReachMax,
					strings.Join(a.MunicipalityCodes, ";"), a.SourceID, c.Illustrative(a.SourceID)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"association-members": {
		columns: []string{"association_id", "agency_id", "agency_name", "agency_kind", "contribution_ore", "contribution_sek", "share", "basis", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, row func(...any) error) error {
			for _, a := range c.Associations() {
				for _, m := range a.Members {
					agency := c.Agency(m.AgencyID)
					var ore, sek any
					if m.Contribution != nil {
						ore, sek = m.Contribution.Ore, m.Contribution.SEK()
					}
					if err := row(a.ID, m.AgencyID, agency.Name, agency.Kind, ore, sek, m.Share, m.Basis, m.SourceID, c.Illustrative(m.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
}

// RowError is an export that failed part way: which row it failed at (rows counted from 1, the header
// not counted), that row's ID, and how many bytes had already gone to the client, who holds a file cut
// short unless Sent is 0.
type RowError struct {
	Row  int
	ID   string
	Sent int64
	Err  error
}

func (e *RowError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("row %d, after %d bytes sent: %v", e.Row, e.Sent, e.Err)
	}
	return fmt.Sprintf("row %d (%s), after %d bytes sent: %v", e.Row, e.ID, e.Sent, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Write writes the named table in the format to w, a row at a time. A failure part way is a
// *RowError.
func Write(ctx context.Context, w io.Writer, db *store.DB, c *store.Catalog, name string, format Format) error {
	t, ok := tables[name]
	if !ok {
		return fmt.Errorf("no table %q: %w", name, store.ErrNotFound)
	}
	sent := &counter{w: w}
	buf := bufio.NewWriterSize(sent, 64<<10)
	rows, id := 0, "" // rows written, and the ID of the row being written
	fail := func(err error) error {
		if err == nil {
			return nil
		}
		return &RowError{Row: rows + 1, ID: id, Sent: sent.n, Err: err}
	}
	var write func(...any) error
	var cw *csv.Writer
	switch format {
	case CSV:
		cw = csv.NewWriter(buf)
		if err := cw.Write(t.columns); err != nil {
			return fail(err)
		}
		record := make([]string, len(t.columns))
		write = func(values ...any) error {
			for i, v := range values {
				record[i] = text(v)
			}
			return cw.Write(record)
		}
	case NDJSON:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		write = func(values ...any) error {
			obj := make(orderedObject, len(values))
			for i, v := range values {
				obj[i] = field{t.columns[i], plain(v)}
			}
			return enc.Encode(obj)
		}
	default:
		return fmt.Errorf("no format %q", format)
	}
	row := func(values ...any) error {
		id = text(values[0])
		for i, v := range values {
			if x, ok := plain(v).(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				return fail(fmt.Errorf("%s is %v, which no reader can use", t.columns[i], x))
			}
		}
		if err := write(values...); err != nil {
			return fail(err)
		}
		rows, id = rows+1, ""
		return nil
	}
	if err := t.rows(ctx, db, c, row); err != nil {
		var already *RowError
		if errors.As(err, &already) {
			return err
		}
		return fail(err)
	}
	if cw != nil { // the CSV writer buffers too, above buf
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fail(err)
		}
	}
	return fail(buf.Flush())
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// plain turns a value into what JSON should show: pointers followed, nil pointers null, named string
// types as strings, times in RFC 3339.
func plain(v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case *string:
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
		return *v
	case *store.Date:
		if v == nil {
			return nil
		}
		return string(*v)
	case *store.SuppressionReason:
		if v == nil {
			return nil
		}
		return string(*v)
	case store.Date:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case fmt.Stringer:
		return v.String()
	case string, bool, int, int64, float64:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// text is a value as a CSV field: empty for null, decimals without exponents.
func text(v any) string {
	switch v := plain(v).(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}

// orderedObject is a JSON object that keeps its columns in the table's order.
type orderedObject []field

type field struct {
	name  string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.name)
		value, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
