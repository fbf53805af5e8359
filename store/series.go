package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Series is a provider's figures for one metric over time, with the municipality's and the country's
// figures for the same metric beside them as reference lines.
type Series struct {
	Metric       *Metric
	Provider     *Provider
	Points       []*Observation
	Municipality []*Observation
	Country      []*Observation
}

// Series returns the time series of a provider's figures for a metric, ordered by period, in one
// statement. Derived metrics are computed period by period.
func (db *DB) Series(ctx context.Context, c *Catalog, providerID, metricID string) (*Series, error) {
	if err := ParseIDOf("Metric", metricID); err != nil {
		return nil, err
	}
	s := &Series{Provider: c.Provider(providerID), Metric: c.Metric(metricID)}
	if s.Provider == nil {
		return nil, fmt.Errorf("provider %q: %w", providerID, ErrNotFound)
	}
	if s.Metric == nil {
		return nil, fmt.Errorf("metric %q: %w", metricID, ErrNotFound)
	}
	list, _ := json.Marshal(storedMetricIDs([]*Metric{s.Metric}))
	rows, err := db.query(ctx, `SELECT `+observationColumns+` FROM observations o
		WHERE o.metric_id IN (SELECT value FROM json_each(?1))
			AND (o.provider_id = ?2 OR (o.provider_id IS NULL AND o.municipality_code IN (?3, ?4)))
		ORDER BY o.period_start, o.period_end DESC, o.seq`,
		string(list), providerID, s.Provider.MunicipalityCode, CountryCode)
	if err != nil {
		return nil, fmt.Errorf("query series: %w", err)
	}
	defer rows.Close()
	type point struct{ subject, period string }
	stored := map[point]map[string]*Observation{}
	var order []point // in period order, each once
	for rows.Next() {
		o, _, err := db.scanObservation(rows, c)
		if err != nil {
			return nil, err
		}
		p := point{o.MunicipalityCode, o.Period}
		if o.ProviderID != nil {
			p.subject = *o.ProviderID
		}
		if stored[p] == nil {
			stored[p] = map[string]*Observation{}
			order = append(order, p)
		}
		stored[p][o.MetricID] = o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range order {
		o := c.figure(s.Metric, stored[p])
		switch {
		case o == nil:
		case p.subject == providerID:
			s.Points = append(s.Points, o)
		case p.subject == CountryCode:
			s.Country = append(s.Country, o)
		default:
			s.Municipality = append(s.Municipality, o)
		}
	}
	return s, nil
}
