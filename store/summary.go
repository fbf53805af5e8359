package store

import (
	"cmp"
	"slices"
)

// Weighted is a value with the number of individuals it rests on, when known.
type Weighted struct {
	Value  float64
	Weight *int
}

// Summary describes a set of values. Fields are nil when there are no values.
type Summary struct {
	Mean          *float64
	MeanWeighted  bool
	Median        *float64
	Min           *float64
	Max           *float64
	ProviderCount int
}

// Summarise computes mean, median, min and max. When share is true (the values are percentages of
// individuals) and every value's sample size is known, the mean is weighted by sample size, so it is
// the share over all individuals together; otherwise it is the plain mean of the values.
func Summarise(values []Weighted, share bool) Summary {
	s := Summary{ProviderCount: len(values)}
	if len(values) == 0 {
		return s
	}
	sorted := make([]float64, len(values))
	for i, v := range values {
		sorted[i] = v.Value
	}
	slices.SortFunc(sorted, cmp.Compare)
	lo, hi := sorted[0], sorted[len(sorted)-1]
	s.Min, s.Max = &lo, &hi
	mid := len(sorted) / 2
	median := sorted[mid]
	if len(sorted)%2 == 0 {
		median = (sorted[mid-1] + sorted[mid]) / 2
	}
	s.Median = &median

	s.MeanWeighted = share && !slices.ContainsFunc(values, func(v Weighted) bool { return v.Weight == nil })
	var sum, weights float64
	for _, v := range values {
		w := 1.0
		if s.MeanWeighted {
			w = float64(*v.Weight)
		}
		sum += v.Value * w
		weights += w
	}
	if weights > 0 {
		mean := sum / weights
		s.Mean = &mean
	}
	return s
}
