package store

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func f(v float64) *float64 { return &v }
func n(v int) *int         { return &v }

func TestSummarise(t *testing.T) {
	tests := []struct {
		name   string
		values []Weighted
		share  bool
		want   Summary
	}{
		{
			name:  "no values",
			share: true,
			want:  Summary{},
		},
		{
			// Weighted: (80×100 + 60×300) / (100+300) = (8000 + 18000) / 400 = 65. The plain mean would be 70.
			// Median of two values: (60+80)/2 = 70.
			name:   "a share is weighted by sample size",
			values: []Weighted{{80, n(100)}, {60, n(300)}},
			share:  true,
			want:   Summary{Mean: f(65), MeanWeighted: true, Median: f(70), Min: f(60), Max: f(80), ProviderCount: 2},
		},
		{
			// Not a share (kronor): plain mean (100+200+600)/3 = 300; median is the middle value, 200.
			name:   "other units take the plain mean",
			values: []Weighted{{600, n(10)}, {100, n(1000)}, {200, n(10)}},
			share:  false,
			want:   Summary{Mean: f(300), Median: f(200), Min: f(100), Max: f(600), ProviderCount: 3},
		},
		{
			// One sample size unknown: weighting would drop that provider, so the plain mean
			// (50+70+90)/3 = 70 is used and MeanWeighted says so.
			name:   "a share with an unknown sample size falls back to the plain mean",
			values: []Weighted{{50, n(10)}, {70, nil}, {90, n(30)}},
			share:  true,
			want:   Summary{Mean: f(70), Median: f(70), Min: f(50), Max: f(90), ProviderCount: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summarise(tt.values, tt.share)); diff != "" {
				t.Errorf("Summarise(%v) (-want +got):\n%s", tt.values, diff)
			}
		})
	}
}

func TestRankColumn(t *testing.T) {
	cells := func(values ...*float64) []*ComparisonCell {
		out := make([]*ComparisonCell, len(values))
		for i, v := range values {
			out[i] = &ComparisonCell{Value: v, Suppressed: v == nil}
		}
		return out
	}
	ranks := func(cs []*ComparisonCell) (rank []any, of []any) {
		for _, c := range cs {
			if c.Rank == nil {
				rank, of = append(rank, nil), append(of, nil)
			} else {
				rank, of = append(rank, *c.Rank), append(of, *c.RankOf)
			}
		}
		return rank, of
	}
	tests := []struct {
		name      string
		direction MetricDirection
		values    []*float64
		wantRank  []any
		wantOf    []any
	}{
		{
			// 80 is best (1st); the two 70s tie for 2nd; three values (80, 70, 70) beat 60, so it is 4th
			// and no one is 3rd.
			name:      "higher is better, with a tie",
			direction: HigherIsBetter,
			values:    []*float64{f(70), f(80), f(60), f(70)},
			wantRank:  []any{2, 1, 4, 2},
			wantOf:    []any{4, 4, 4, 4},
		},
		{
			// Dropouts: 10 is best, 30 worst.
			name:      "lower is better",
			direction: LowerIsBetter,
			values:    []*float64{f(30), f(10), f(20)},
			wantRank:  []any{3, 1, 2},
			wantOf:    []any{3, 3, 3},
		},
		{
			// The suppressed cell (nil) gets no rank and is not counted: 3 providers are ranked.
			name:      "suppressed and missing cells are not ranked",
			direction: HigherIsBetter,
			values:    []*float64{f(50), nil, f(90), f(70)},
			wantRank:  []any{3, nil, 1, 2},
			wantOf:    []any{3, nil, 3, 3},
		},
		{
			name:      "neutral metrics are not ranked",
			direction: Neutral,
			values:    []*float64{f(50), f(60)},
			wantRank:  []any{nil, nil},
			wantOf:    []any{nil, nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := cells(tt.values...)
			rankColumn(tt.direction, cs)
			rank, of := ranks(cs)
			if diff := cmp.Diff(tt.wantRank, rank); diff != "" {
				t.Errorf("ranks (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOf, of); diff != "" {
				t.Errorf("rankOf (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrimarySuppression: the rules for a figure on its own, as primaryReasons decides them when the figure
// is written and the catalog applies them when it is read.
func TestPrimarySuppression(t *testing.T) {
	c := &Catalog{Info: DatasetInfo{SuppressBelow: 10}}
	share := &Metric{ID: "Metric:pass", Unit: UnitPercent}
	money := &Metric{ID: "Metric:paid", Unit: UnitSEK}
	too, unknown := reasonOf(TooFewIndividuals), reasonOf(SizeUnknown)
	tests := []struct {
		name     string
		metric   *Metric
		provider string
		in       Observation
		want     Observation
	}{
		{
			name: "enough individuals: published, gender counts not shown", metric: share, provider: "Provider:a",
			in:   Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(68), SampleSize: n(40), SampleSizeWomen: n(25), SampleSizeMen: n(15)},
			want: Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(68), SampleSize: n(40)},
		},
		{
			name: "too few individuals: value, split and sample size withheld", metric: share, provider: "Provider:a",
			in:   Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(68), SampleSize: n(9), SampleSizeWomen: n(5), SampleSizeMen: n(4)},
			want: Observation{Suppressed: true, SuppressionReason: too, GenderSuppressionReason: too},
		},
		{
			// 30 individuals, but only 6 men: the men's value is withheld, and so is the women's, since
			// it and the total would give the men's away.
			name: "too few in one gender: both gender values withheld", metric: share, provider: "Provider:a",
			in:   Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(60), SampleSize: n(30), SampleSizeWomen: n(24), SampleSizeMen: n(6)},
			want: Observation{Value: f(70), SampleSize: n(30), GenderSuppressionReason: too},
		},
		{
			name: "gender counts unknown: gender values withheld", metric: share, provider: "Provider:a",
			in:   Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(60), SampleSize: n(30)},
			want: Observation{Value: f(70), SampleSize: n(30), GenderSuppressionReason: unknown},
		},
		{
			name: "a provider's share of an unknown number of people: withheld", metric: share, provider: "Provider:a",
			in:   Observation{Value: f(70)},
			want: Observation{Suppressed: true, SuppressionReason: unknown},
		},
		{
			name: "a municipality's figure with no counts at all (official statistics, suppressed at source): shown as published", metric: share,
			in:   Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(60)},
			want: Observation{Value: f(70), ValueWomen: f(72), ValueMen: f(60)},
		},
		{
			name: "no sample size (a sum of kronor): published", metric: money, provider: "Provider:a",
			in:   Observation{Value: f(110000)},
			want: Observation{Value: f(110000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			total, genders := primaryReasons(tableFigure{metric: tt.metric, provider: tt.provider, genders: got.ValueWomen != nil,
				n: [3]*int{got.SampleSize, got.SampleSizeWomen, got.SampleSizeMen}}, c.Info.SuppressBelow)
			got.SuppressionReason, got.GenderSuppressionReason = reasonOf(total), reasonOf(genders)
			c.suppress(&got)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(Observation{})); diff != "" {
				t.Errorf("suppress (-want +got):\n%s", diff)
			}
		})
	}
}
