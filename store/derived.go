package store

import "cmp"

// Derived metrics are computed from their formula's two stored metrics for the same subject and period,
// whenever a comparison, a time series or node() asks for them. They are never stored, so they cannot
// disagree with the figures they come from.

// storedMetricIDs returns the stored metrics whose figures are needed to answer for metrics: the metrics
// themselves, or a derived metric's numerator and denominator.
func storedMetricIDs(metrics []*Metric) []string {
	var ids []string
	add := func(id string) {
		for _, have := range ids {
			if have == id {
				return
			}
		}
		ids = append(ids, id)
	}
	for _, m := range metrics {
		if f := m.Formula; f != nil {
			add(f.NumeratorID)
			add(f.DenominatorID)
		} else {
			add(m.ID)
		}
	}
	return ids
}

// derive computes a derived metric's figure from its numerator's and denominator's figures for one
// subject and period. It is nil when either is missing. It is suppressed when either is: a figure
// computed from a withheld one would give it away. It rests on the smaller of the two sample sizes, and
// is illustrative when either source is.
func (c *Catalog) derive(m *Metric, numerator, denominator *Observation) *Observation {
	if numerator == nil || denominator == nil {
		return nil
	}
	o := &Observation{
		MetricID: m.ID, ProviderID: numerator.ProviderID, MunicipalityCode: numerator.MunicipalityCode,
		Period: numerator.Period, PeriodStart: numerator.PeriodStart, PeriodEnd: numerator.PeriodEnd,
		Status: StatusFinal, SourceID: numerator.SourceID, Derived: true, catalog: c,
		UpdatedAt: later(numerator.UpdatedAt, denominator.UpdatedAt),
	}
	if c.Illustrative(denominator.SourceID) {
		o.SourceID = denominator.SourceID
	}
	if numerator.Status != StatusFinal || denominator.Status != StatusFinal {
		o.Status = StatusPreliminary
	}
	if numerator.Suppressed || denominator.Suppressed {
		o.Suppressed = true
		// Too few individuals says more than protecting another figure, whichever of the two it is.
		o.SuppressionReason = cmp.Or(numerator.SuppressionReason, denominator.SuppressionReason)
		if r := denominator.SuppressionReason; r != nil && *r == TooFewIndividuals {
			o.SuppressionReason = r
		}
		return o
	}
	o.SampleSize = smaller(numerator.SampleSize, denominator.SampleSize)
	o.Value = ratio(numerator.Value, denominator.Value, m.Formula.Factor)
	o.ValueWomen = ratio(numerator.ValueWomen, denominator.ValueWomen, m.Formula.Factor)
	o.ValueMen = ratio(numerator.ValueMen, denominator.ValueMen, m.Formula.Factor)
	return o
}

func ratio(a, b *float64, factor float64) *float64 {
	if a == nil || b == nil || *b == 0 {
		return nil
	}
	r := *a / *b * factor
	return &r
}

func smaller(a, b *int) *int {
	switch {
	case a == nil:
		return b
	case b == nil || *a <= *b:
		return a
	default:
		return b
	}
}
