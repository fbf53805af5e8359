package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// world is a random data set together with what the test knows of it that a reader does not: every
// figure's true size and value, and which figures add up to which.
type world struct {
	ds     *Dataset
	truth  map[string]float64 // observation ID → its true value
	size   map[string]int     // observation ID → its true size
	sums   [][]string         // each a total's ID followed by its parts' IDs
	months int                // how finely the providers' figures were made
}

// randomWorld makes one municipality's SFI results for a year: providers, their figures for some of the
// year's periods (the year, its terms, quarters or months, each level present or not), the
// municipality's figures as the sums of theirs, values for women and men in some data sets, and
// payments under a random price list (a weekly price nobody publishes the weeks of, a price per pass,
// sometimes a start fee). Sizes are small, so many figures are below the threshold.
func randomWorld(r *rand.Rand) *world {
	src := "Source:random"
	w := &world{truth: map[string]float64{}, size: map[string]int{}}
	ds := &Dataset{
		Info:           &DatasetInfo{Title: "Random", Description: "d", Publisher: "p", License: "CC0-1.0", LicenseURL: "https://example.org"},
		Sources:        []*Source{{ID: src, Title: "Random", Publisher: "Tests", Illustrative: true}},
		Municipalities: []*Municipality{{Code: "0183", Name: "Sundbyberg", SourceID: src}, {Code: "0000", Name: "Riket", SourceID: src}},
		ServiceAreas:   []*ServiceArea{{ID: "ServiceArea:sfi", Code: "sfi", Name: "SFI", Description: "d", SourceID: src}},
		Schemes:        []*Scheme{{ID: "AuthorisationScheme:0183-sfi", Name: "SFI", ServiceAreaID: "ServiceArea:sfi", MunicipalityCode: "0183", Status: SchemeInForce, SourceID: src}},
		Metrics: []*Metric{
			{ID: "Metric:pass", Name: "Pass", Description: "d", Definition: "d", Unit: UnitPercent, Direction: HigherIsBetter, ServiceAreaID: "ServiceArea:sfi", Headline: true, SourceID: src},
			{ID: "Metric:passed", Name: "Passed", Description: "d", Definition: "d", Unit: UnitCount, Direction: Neutral, ServiceAreaID: "ServiceArea:sfi", SourceID: src},
			{ID: "Metric:paid", Name: "Paid", Description: "d", Definition: "d", Unit: UnitSEK, Direction: Neutral, ServiceAreaID: "ServiceArea:sfi", SourceID: src,
				PaidFor: []PaidQuantity{{Unit: PerCourse, PaidWhen: OnPass, MetricID: "Metric:passed"}}},
		},
	}
	week, pass, start := int64(300+r.IntN(700))*100, int64(1000+r.IntN(4000))*100, int64(0)
	items := []PriceItem{{Label: "Vecka", Unit: PerWeek, Amount: Money{week}, PaidWhen: Monthly}, {Label: "Godkänd", Unit: PerCourse, Amount: Money{pass}, ResultBasedShare: 1, PaidWhen: OnPass}}
	if r.IntN(2) == 0 {
		start = int64(500+r.IntN(1500)) * 100
		items = append(items, PriceItem{Label: "Start", Unit: PerParticipant, Amount: Money{start}, PaidWhen: OnStart})
	}
	ds.PriceLists = []*PriceList{{ID: "PriceList:0183-sfi-2018", SchemeID: "AuthorisationScheme:0183-sfi", ValidFrom: "2018-01-01", Items: items, SourceID: src}}

	genders := r.IntN(2) == 0
	// Which levels of the year are published, the same for every subject.
	levels := map[PeriodKind]bool{PeriodYear: r.IntN(5) > 0, PeriodTerm: r.IntN(2) == 0, PeriodQuarter: r.IntN(3) == 0, PeriodMonth: r.IntN(4) == 0}
	type month struct{ n, passed, women, womenPassed, weeks, starts int }
	providers := 2 + r.IntN(8)
	all := make([][12]month, providers+1) // the municipality's, last, is the sum of the others
	for p := range providers {
		for m := range 12 {
			var x month
			if r.IntN(3) > 0 {
				x.n = r.IntN(12)
			}
			x.passed = r.IntN(x.n + 1)
			x.women = r.IntN(x.n + 1)
			x.womenPassed = max(0, x.passed-(x.n-x.women)) + r.IntN(min(x.passed, x.women)-max(0, x.passed-(x.n-x.women))+1)
			x.weeks, x.starts = x.n*(1+r.IntN(4)), r.IntN(x.n+1)
			all[p][m] = x
			s := &all[providers][m]
			s.n, s.passed, s.women, s.womenPassed = s.n+x.n, s.passed+x.passed, s.women+x.women, s.womenPassed+x.womenPassed
		}
	}
	granted := Date("2017-01-01")
	for p := range providers {
		id := fmt.Sprintf("Provider:p%02d", p)
		ds.Providers = append(ds.Providers, &Provider{ID: id, Name: fmt.Sprintf("P%02d", p), OperatingForm: OperatingForms[r.IntN(4)], MunicipalityCode: "0183", SourceID: src})
		ds.Authorisations = append(ds.Authorisations, &Authorisation{ID: fmt.Sprintf("Authorisation:p%02d/0183-sfi", p), ProviderID: id, SchemeID: "AuthorisationScheme:0183-sfi",
			SourceID: src, Events: []AuthorisationEvent{{Kind: Granted, Date: granted, SourceID: src}}})
	}
	ranges := map[PeriodKind][][2]int{PeriodYear: {{0, 12}}, PeriodTerm: {{0, 6}, {6, 12}}, PeriodQuarter: {{0, 3}, {3, 6}, {6, 9}, {9, 12}}}
	for m := range 12 {
		ranges[PeriodMonth] = append(ranges[PeriodMonth], [2]int{m, m + 1})
	}
	name := func(kind PeriodKind, i int) string {
		switch kind {
		case PeriodTerm:
			return []string{"2018-VT", "2018-HT"}[i]
		case PeriodQuarter:
			return fmt.Sprintf("2018-Q%d", i+1)
		case PeriodMonth:
			return fmt.Sprintf("2018-%02d", i+1)
		}
		return "2018"
	}
	ids := map[string]string{} // "subject period metric" → ID, for the sums
	for s := range providers + 1 {
		var provider *string
		if s < providers {
			id := fmt.Sprintf("Provider:p%02d", s)
			provider = &id
		}
		for _, kind := range []PeriodKind{PeriodYear, PeriodTerm, PeriodQuarter, PeriodMonth} {
			if !levels[kind] {
				continue
			}
			for i, span := range ranges[kind] {
				var x month
				for m := span[0]; m < span[1]; m++ {
					y := all[s][m]
					x.n, x.passed, x.women, x.womenPassed, x.weeks, x.starts = x.n+y.n, x.passed+y.passed, x.women+y.women, x.womenPassed+y.womenPassed, x.weeks+y.weeks, x.starts+y.starts
				}
				if x.n == 0 {
					continue // nobody: no figure
				}
				period := name(kind, i)
				rate := float64(100*x.passed) / float64(x.n)
				o := &Observation{MetricID: "Metric:pass", ProviderID: provider, MunicipalityCode: "0183", Period: period, Value: &rate, SampleSize: ptr(x.n), Status: StatusFinal, SourceID: src}
				if genders && x.women > 0 && x.women < x.n {
					o.ValueWomen = ptr(float64(100*x.womenPassed) / float64(x.women))
					o.ValueMen = ptr(float64(100*(x.passed-x.womenPassed)) / float64(x.n-x.women))
					o.SampleSizeWomen, o.SampleSizeMen = ptr(x.women), ptr(x.n-x.women)
				}
				passed := float64(x.passed)
				figures := []*Observation{o, {MetricID: "Metric:passed", ProviderID: provider, MunicipalityCode: "0183", Period: period, Value: &passed, SampleSize: ptr(x.passed), Status: StatusFinal, SourceID: src}}
				if provider != nil {
					paid := float64(int64(x.weeks)*week+int64(x.passed)*pass+int64(x.starts)*start) / 100
					figures = append(figures, &Observation{MetricID: "Metric:paid", ProviderID: provider, MunicipalityCode: "0183", Period: period, Value: &paid, Status: StatusFinal, SourceID: src})
				}
				for _, f := range figures {
					ds.Observations = append(ds.Observations, f)
					w.truth[f.ID()] = *f.Value
					if f.SampleSize != nil {
						w.size[f.ID()] = *f.SampleSize
					}
					ids[fmt.Sprint(s, period, f.MetricID)] = f.ID()
				}
			}
		}
	}
	// The sums the test knows of, for its own attacker: the municipality over its providers, and each
	// period over each partition of it.
	for _, metric := range []string{"Metric:pass", "Metric:passed"} {
		for _, kind := range []PeriodKind{PeriodYear, PeriodTerm, PeriodQuarter, PeriodMonth} {
			for i := range ranges[kind] {
				period := name(kind, i)
				sum := []string{ids[fmt.Sprint(providers, period, metric)]}
				for s := range providers {
					sum = append(sum, ids[fmt.Sprint(s, period, metric)])
				}
				w.sums = append(w.sums, sum)
				p, _ := ParsePeriod(period)
				for s := range providers + 1 {
					for _, parts := range p.Partitions() {
						sum := []string{ids[fmt.Sprint(s, period, metric)]}
						for _, part := range parts {
							sum = append(sum, ids[fmt.Sprint(s, part, metric)])
						}
						w.sums = append(w.sums, sum)
					}
				}
			}
		}
	}
	w.ds = ds
	return w
}

func ptr[T any](v T) *T { return &v }

// TestAuditRecoversNothing: on random data sets, with complementary suppression the audit recovers
// nothing, and neither does the test's own attacker, who knows which figures add up without asking the
// store; without it the audit recovers figures by every subtraction it tries, with their true values.
func TestAuditRecoversNothing(t *testing.T) {
	found := map[string]int{}
	for seed := range uint64(60) {
		w := randomWorld(rand.New(rand.NewPCG(seed, 14)))
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			for _, primaryOnly := range []bool{false, true} {
				db, err := Open(t.Context(), filepath.Join(t.TempDir(), fmt.Sprint(primaryOnly, ".db")), Options{PrimarySuppressionOnly: primaryOnly})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if err := db.Replace(t.Context(), w.ds); err != nil {
					t.Fatal(err)
				}
				report, err := db.Audit(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				own := w.subtract(t, db)
				if !primaryOnly {
					for _, r := range report.Recovered {
						t.Errorf("recovered with complementary suppression: %s", r)
					}
					for _, id := range own {
						t.Errorf("the test's own subtractions recover %s with complementary suppression", id)
					}
					continue
				}
				for _, r := range report.Recovered {
					found[kindOf(r)]++
					if want, ok := w.truth[r.What]; ok && r.Value != nil && math.Abs(*r.Value-want) > 1e-6*math.Max(1, math.Abs(want)) {
						t.Errorf("recovered %s as %v, but it is %v", r.What, *r.Value, want)
					}
				}
				if len(own) > 0 && len(report.Recovered) == 0 {
					t.Errorf("the test's own subtractions recover %v, the audit nothing", own)
				}
			}
		})
	}
	for _, kind := range []string{"providers", "parts", "women or men", "payment"} {
		if found[kind] == 0 {
			t.Errorf("without complementary suppression, no data set let the audit recover anything by %q: %v", kind, found)
		}
	}
}

// kindOf says which subtraction a recovery came from, roughly: a value for women or men, a payment, or
// one of the others by the relations named.
func kindOf(r Recovery) string {
	if strings.Contains(r.What, "(women)") || strings.Contains(r.What, "(men)") {
		return "women or men"
	}
	for _, kind := range []string{"payment", "providers", "parts"} {
		if strings.Contains(r.How, kind) {
			return kind
		}
	}
	return r.How
}

// subtract is the test's own attacker: for each sum it knows of, with every figure but one published,
// the one left follows; it goes on until nothing more follows, and returns the figures based on fewer
// than the threshold that it recovered.
func (w *world) subtract(t *testing.T, db *DB) []string {
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	knownSize := map[string]int{}
	err = db.EachObservation(t.Context(), c, ObservationFilter{}, func(o *Observation) error {
		if o.SampleSize != nil {
			knownSize[o.ID()] = *o.SampleSize
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var recovered []string
	for changed := true; changed; {
		changed = false
		for _, sum := range w.sums {
			missing, unknown, total := "", 0, 0
			if slices.Contains(sum, "") {
				continue // a part, or the total, has no figure: the sum cannot be completed
			}
			for i, id := range sum {
				n, ok := knownSize[id]
				switch {
				case !ok:
					missing, unknown = id, unknown+1
				case i == 0:
					total += n
				default:
					total -= n
				}
			}
			if unknown != 1 {
				continue
			}
			if missing == sum[0] {
				total = -total
			}
			knownSize[missing], changed = total, true
			if total != w.size[missing] {
				t.Fatalf("%s worked out as %d, but it is %d: the test's sums are wrong", missing, total, w.size[missing])
			}
			if total < c.Info.SuppressBelow {
				recovered = append(recovered, missing)
			}
		}
	}
	return recovered
}
